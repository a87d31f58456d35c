"""Events published by the plans service (the family plan). Ids, codes, dates and recipients (user ids) only:
never a name, a BSN or anything the plan says."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from services.shared.events import EventData

UserIds = list[str]
Phase = Literal["intake", "active", "evaluation", "closed"]


class _PlansEvent(EventData):
    producer: ClassVar[str] = "plans"


class PlanStarted(_PlansEvent):
    plan_id: str
    match_id: str | None = Field(default=None, description="the match the plan was started from, if any")
    draft: bool = Field(description="started from a match: the family has yet to consent")
    coordinator_id: str
    recipients: UserIds


class PlanConsentGiven(_PlansEvent):
    plan_id: str
    consent_id: str
    organization: str
    until: date | None = None
    recipients: UserIds = Field(description="the organisation's professionals in the network, and the coordinator")


class PlanConsentRevoked(_PlansEvent):
    plan_id: str
    consent_id: str
    organization: str
    recipients: UserIds


class PlanNetworkMemberAdded(_PlansEvent):
    plan_id: str
    network_member_id: str
    kind: Literal["professional", "relative", "friend"]
    recipients: UserIds = Field(description="the new member (if they have an account) and the coordinator")


class PlanCoordinatorChanged(_PlansEvent):
    plan_id: str
    match_id: str | None = Field(default=None, description="the match the plan was started from, if any")
    coordinator_id: str = Field(description="user id of the new coordinator")
    coordinator_kind: Literal["professional", "parent", "relative"]
    previous_coordinator_id: str | None = None
    recipients: UserIds


class PlanActionAssigned(_PlansEvent):
    plan_id: str
    action_id: str
    due_date: date | None = None
    recipients: UserIds = Field(description="the action's owner")


class PlanActionOverdue(_PlansEvent):
    plan_id: str
    action_id: str
    due_date: date
    recipients: UserIds = Field(description="the action's owner and the coordinator")


class PlanEvaluationDue(_PlansEvent):
    plan_id: str
    evaluation_date: date
    recipients: UserIds = Field(description="the coordinator and the family members with an account")


class PlanPhaseChanged(_PlansEvent):
    plan_id: str
    phase: Phase
    previous_phase: Phase
    recipients: UserIds


class PlanClosed(_PlansEvent):
    plan_id: str
    retention_until: date = Field(description="when the plan is destroyed (20 years after care ended)")
    recipients: UserIds


CONTRACTS: tuple[type[EventData], ...] = (
    PlanStarted,
    PlanConsentGiven,
    PlanConsentRevoked,
    PlanNetworkMemberAdded,
    PlanCoordinatorChanged,
    PlanActionAssigned,
    PlanActionOverdue,
    PlanEvaluationDue,
    PlanPhaseChanged,
    PlanClosed,
)
