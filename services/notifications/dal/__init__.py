"""notifications: dal."""
