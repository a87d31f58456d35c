"""signals: models."""
