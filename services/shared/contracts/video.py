"""Events published by the video service. Empty until the video issue adds them."""

from __future__ import annotations

from services.shared.events import EventData

CONTRACTS: tuple[type[EventData], ...] = ()
