"""The event envelope. Producers publish typed data models; the envelope is filled in here, never by hand.

On the bus an event is ``source = jeugdketen.<producer>``, ``detail-type = <EventType>``, and the detail
is the envelope ``{metadata, data}``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.shared import clock, correlation
from services.shared.settings import get_settings

SOURCE_PREFIX = "jeugdketen."


class EventData(BaseModel):
    """Base of every event's data. Subclasses set ``producer`` (the owning service) and may bump ``version``.

    Events carry identifiers and minimal facts, never free text about a family. A contract's validator is
    built when it is first used (``defer_build``): a function pays only for the events it handles.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    producer: ClassVar[str]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            cls.event_type = cls.__name__

    @classmethod
    def source(cls) -> str:
        return SOURCE_PREFIX + cls.producer

    @classmethod
    def pattern(cls) -> dict[str, list[str]]:
        """The EventBridge pattern that matches exactly this event type."""
        return {"source": [cls.source()], "detail-type": [cls.event_type]}


class EventMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str = Field(min_length=1, max_length=64)
    event_type: str
    version: int = Field(ge=1)
    occurred_at: AwareDatetime
    region: str
    correlation_id: str
    producer: str


T = TypeVar("T", bound=EventData)


class Event(BaseModel, Generic[T]):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metadata: EventMetadata
    data: T


def new_event(data: T, *, occurred_at: datetime | None = None) -> Event[T]:
    """Wrap ``data`` in an envelope: a fresh id, the clock's time, the region and the current correlation id."""
    metadata = EventMetadata(
        event_id=str(uuid.uuid4()),
        event_type=data.event_type,
        version=data.version,
        occurred_at=occurred_at or clock.now(),
        region=get_settings().region,
        correlation_id=correlation.current(),
        producer=data.producer,
    )
    envelope: Any = Event[type(data)]  # type: ignore[misc]
    return envelope(metadata=metadata, data=data)  # type: ignore[no-any-return,unused-ignore]


def pattern_for(*event_types: type[EventData]) -> dict[str, list[str]]:
    """One EventBridge pattern matching any of ``event_types``."""
    sources = sorted({t.source() for t in event_types})
    detail_types = sorted({t.event_type for t in event_types})
    return {"source": sources, "detail-type": detail_types}
