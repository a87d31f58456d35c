"""The one error the local host raises for problems a developer can fix (busy port, unusable region file)."""

from __future__ import annotations


class LocalHostError(RuntimeError):
    """Something stops the local host from starting; the message says what to do."""
