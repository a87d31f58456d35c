"""signals: handlers."""
