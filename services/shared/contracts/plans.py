"""Events published by the plans service. Empty until the plans issue adds them."""

from __future__ import annotations

from services.shared.events import EventData

CONTRACTS: tuple[type[EventData], ...] = ()
