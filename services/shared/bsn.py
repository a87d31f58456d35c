"""The BSN (burgerservicenummer): nine digits that pass the 11-proef. Never stored raw (see ``pseudonym``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(value: str) -> bool:
    """True when ``value`` is nine digits whose weighted sum (9..2, and -1 for the last) is a multiple of 11."""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value, _WEIGHTS, strict=True))
    return total % 11 == 0 and total != 0


def _normalise(value: object) -> object:
    # Eight-digit BSNs exist on paper with the leading zero dropped; accept them as the nine-digit number.
    if isinstance(value, str):
        stripped = value.strip()
        return stripped.zfill(9) if len(stripped) == 8 and stripped.isdigit() else stripped
    return value


def _eleven_test(value: str) -> str:
    if not is_valid_bsn(value):
        raise ValueError("not a valid BSN (nine digits passing the 11-proef)")
    return value


Bsn = Annotated[
    str,
    BeforeValidator(_normalise),
    AfterValidator(_eleven_test),
    Field(description="burgerservicenummer: nine digits passing the 11-proef", examples=["111222333"]),
]


def mask_bsn(value: str) -> str:
    """Show only the last three digits, as on a screen for the signaller: ``******333``."""
    return "*" * (len(value) - 3) + value[-3:]
