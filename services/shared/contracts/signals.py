"""Events published by the signals service. Empty until the signals issue adds them."""

from __future__ import annotations

from services.shared.events import EventData

CONTRACTS: tuple[type[EventData], ...] = ()
