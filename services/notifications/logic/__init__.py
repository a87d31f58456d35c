"""notifications: logic."""
