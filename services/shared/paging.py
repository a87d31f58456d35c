"""Opaque page cursors: DynamoDB's ``LastEvaluatedKey`` as URL-safe base64 JSON, refused (422) if tampered."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from services.shared.errors import Unprocessable


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict) or not value or not all(_key_value(v) for v in value.values()):
        raise Unprocessable("the cursor is not one this API gave out", details={"field": "cursor"})
    return value


def _key_value(value: object) -> bool:
    """A DynamoDB key attribute as ``LastEvaluatedKey`` gives it: ``{"S": "..."}`` or ``{"N": "..."}``."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in ("S", "N")
        and isinstance(next(iter(value.values())), str)
    )


def page(results: Any, limit: int) -> tuple[list[Any], str | None]:
    """The items of a pynamodb result iterator and the cursor of the next page (None on the last one)."""
    items = list(results)
    return items, encode_cursor(results.last_evaluated_key) if len(items) >= limit else None
