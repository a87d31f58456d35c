"""video: dal."""
