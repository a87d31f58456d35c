"""video: models."""
