"""plans: logic."""
