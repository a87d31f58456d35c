"""One family, one plan, one coordinator: the shared family plan."""

__version__ = "0.1.0"
