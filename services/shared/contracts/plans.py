"""Events published by the plans service. The plans issue adds the rest; ``PlanCoordinatorChanged`` is
defined first because the signals service keeps a match's coordinator in step with it."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from services.shared.events import EventData


class _PlansEvent(EventData):
    producer: ClassVar[str] = "plans"


class PlanCoordinatorChanged(_PlansEvent):
    plan_id: str
    match_id: str | None = Field(default=None, description="the match the plan was started from, if any")
    coordinator_id: str = Field(description="user id of the new coordinator")
    coordinator_kind: Literal["professional", "parent", "relative"]
    previous_coordinator_id: str | None = None
    recipients: list[str]


CONTRACTS: tuple[type[EventData], ...] = (PlanCoordinatorChanged,)
