"""The probe's one event contract (a real service's would live in services/shared/contracts/)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from services.shared.events import EventData


class ProbeItemCreated(EventData):
    producer: ClassVar[str] = "probe"

    item_id: str = Field(min_length=1, max_length=64)
    fail: bool = False
