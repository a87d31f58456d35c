"""notifications: models."""
