"""plans: dal."""
