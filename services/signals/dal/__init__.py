"""signals: dal."""
