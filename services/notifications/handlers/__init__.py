"""notifications: handlers."""
