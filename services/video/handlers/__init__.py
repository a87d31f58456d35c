"""video: handlers."""
