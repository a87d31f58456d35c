"""24/7 contact with a JGZ nurse by chat, call-back and video."""

__version__ = "0.1.0"
