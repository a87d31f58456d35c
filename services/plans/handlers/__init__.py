"""plans: handlers."""
