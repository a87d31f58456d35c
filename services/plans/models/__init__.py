"""plans: models."""
