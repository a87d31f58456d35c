"""Events published by the notifications service. Empty until the notifications issue adds them."""

from __future__ import annotations

from services.shared.events import EventData

CONTRACTS: tuple[type[EventData], ...] = ()
