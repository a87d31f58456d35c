"""video: logic."""
