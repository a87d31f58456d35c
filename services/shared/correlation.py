"""The correlation id of the work in progress: set by the API from the request, by a consumer from the event."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_SAFE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def current() -> str:
    """The current correlation id; a fresh one if none was set (e.g. a sweeper run)."""
    value = _correlation_id.get()
    if value is None:
        value = str(uuid.uuid4())
        _correlation_id.set(value)
    return value


def bind(value: str | None) -> str:
    """Bind ``value`` if it is a safe identifier, else a fresh id; returns what was bound."""
    bound = value if value and _SAFE.match(value) else str(uuid.uuid4())
    _correlation_id.set(bound)
    return bound


def clear() -> None:
    _correlation_id.set(None)
