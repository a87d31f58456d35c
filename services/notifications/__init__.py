"""Inbox, e-mail, SMS and push notifications that never carry content about a family."""

__version__ = "0.1.0"
