"""The family plan as stored: one document per plan, versioned. Shapes follow HL7 FHIR R4 where it has one
(Goal statuses, CarePlan phases map to CarePlan.status, Task statuses for actions, Consent)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LifeDomain = Literal[
    "material_circumstances", "health", "upbringing_and_family", "school_and_work", "social_environment"
]
LIFE_DOMAINS: tuple[LifeDomain, ...] = (
    "material_circumstances",
    "health",
    "upbringing_and_family",
    "school_and_work",
    "social_environment",
)
GoalStatus = Literal["proposed", "accepted", "active", "on-hold", "completed", "cancelled"]  # FHIR Goal
ActionStatus = Literal["open", "in_progress", "done", "cancelled"]
Phase = Literal["intake", "active", "evaluation", "closed"]
PHASES: tuple[Phase, ...] = ("intake", "active", "evaluation", "closed")
NetworkKind = Literal["professional", "relative", "friend"]
CoordinatorKind = Literal["professional", "parent", "relative"]


class _Stored(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Member(_Stored):
    """A family member: a child or a parent/carer."""

    id: str
    kind: Literal["child", "parent"]
    display_name: str
    birth_date: date | None = None  # children
    subject: str | None = Field(default=None, description="pseudonym of the BSN (HMAC), where known")
    authority: bool = False  # parents: has parental authority (gezag)
    user_id: str | None = None  # their account, if they have one


class NetworkMember(_Stored):
    id: str
    kind: NetworkKind
    display_name: str
    user_id: str | None = None
    organization: str | None = None  # professionals
    role: str
    end_date: date | None = None  # access ends by itself after this day
    added_at: datetime
    approved_by: str | None = None  # relatives and friends: the family member who brought them in


class Coordinator(_Stored):
    kind: CoordinatorKind
    user_id: str
    ref: str = Field(description="the member or network member id")
    since: datetime


class Consent(_Stored):
    """Consent for one organisation's professionals to read the plan, given by one family member (FHIR Consent)."""

    id: str
    organization: str
    given_by: str = Field(description="member id")
    given_at: datetime
    purpose: str = "plan"
    until: date | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None


class _Hideable(_Stored):
    hidden_from: list[str] = Field(default_factory=list, description="member ids this item is hidden from")


class DomainEntry(_Hideable):
    strengths: list[str] = Field(default_factory=list)
    concerns: list[str] = Field(default_factory=list)


class Goal(_Hideable):
    id: str
    domain: LifeDomain
    description: str
    status: GoalStatus = "proposed"
    target_date: date | None = None


class Action(_Hideable):
    id: str
    description: str
    owner: str = Field(description="network member or member id")
    goal_id: str | None = None
    due_date: date | None = None
    status: ActionStatus = "open"
    overdue_notified: bool = False


class Agreement(_Hideable):
    id: str
    text: str


class Safety(_Hideable):
    text: str


class Evaluation(_Stored):
    """One evaluation of the plan: what went well and what changes. Finalised, it can no longer change."""

    id: str
    held_on: date
    summary: str
    finalised_at: datetime | None = None
    finalised_by: str | None = None


class Plan(_Stored):
    id: str
    version: int = 1  # what clients see and send back (If-Match): bumped by every change a person makes
    revision: int = 1  # bumped by every write, the sweeper's reminders too: the condition of every write
    phase: Phase = "intake"
    draft: bool = False  # started from a match: nobody but the coordinator sees content until the family consents
    match_id: str | None = None
    members: list[Member]
    network: list[NetworkMember] = Field(default_factory=list)
    coordinator: Coordinator
    consents: list[Consent] = Field(default_factory=list)
    domains: dict[LifeDomain, DomainEntry] = Field(default_factory=dict)
    goals: list[Goal] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    agreements: list[Agreement] = Field(default_factory=list)
    safety: Safety | None = None
    evaluation_date: date | None = None
    evaluation_notified: bool = False  # PlanEvaluationDue went out for this evaluation date
    evaluations: list[Evaluation] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    retention_until: date | None = None
    destruction_requested_at: datetime | None = None

    def member(self, member_id: str) -> Member | None:
        return next((m for m in self.members if m.id == member_id), None)

    def network_member(self, network_id: str) -> NetworkMember | None:
        return next((n for n in self.network if n.id == network_id), None)
