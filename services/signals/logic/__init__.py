"""signals: logic."""
