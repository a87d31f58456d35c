"""Requests and answers of the plans API. Requests refuse unknown fields (422)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.plans.models.plan import (
    ActionStatus,
    CoordinatorKind,
    GoalStatus,
    LifeDomain,
    NetworkKind,
    Phase,
)

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^<>{}\n\r\t]+$")]
Id = Annotated[str, Field(pattern=r"^[a-z]{2,4}-[0-9a-f]{8,32}$")]
UserId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
OrgId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
Bsn = Annotated[str, Field(pattern=r"^\d{9}$")]
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2199, 12, 31))]  # no date arithmetic may overflow


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class _View(BaseModel):
    model_config = ConfigDict(defer_build=True)


# -- requests ----------------------------------------------------------------------------------------------------
class NewChild(_Request):
    display_name: Name
    birth_date: Day
    bsn: Bsn | None = None
    user_id: UserId | None = None


class NewParent(_Request):
    display_name: Name
    authority: bool
    bsn: Bsn | None = None
    user_id: UserId | None = None


class NewMember(_Request):
    """A family member added to the plan: a child or a parent/carer; an account is linked by user id or e-mail."""

    kind: Literal["child", "parent"]
    display_name: Name
    birth_date: Day | None = None
    authority: bool = False
    bsn: Bsn | None = None
    user_id: UserId | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", max_length=254)] | None = None


class MemberUpdate(_Request):
    display_name: Name | None = None
    birth_date: Day | None = None
    authority: bool | None = None


class NewNetworkMember(_Request):
    kind: NetworkKind
    display_name: Name
    role: Annotated[str, Field(min_length=2, max_length=60)]
    user_id: UserId | None = None
    organization: OrgId | None = None
    end_date: Day | None = None


class NewPlan(_Request):
    children: list[NewChild] = Field(min_length=1, max_length=12)
    parents: list[NewParent] = Field(default_factory=list, max_length=4)
    network: list[NewNetworkMember] = Field(default_factory=list, max_length=40)
    evaluation_date: Day | None = None


class NewGoal(_Request):
    domain: LifeDomain
    description: Text
    status: GoalStatus = "proposed"
    target_date: Day | None = None
    hidden_from: list[Id] = Field(default_factory=list, max_length=8)


class GoalUpdate(_Request):
    description: Text | None = None
    status: GoalStatus | None = None
    target_date: Day | None = None
    hidden_from: list[Id] | None = Field(default=None, max_length=8)


class NewAction(_Request):
    description: Text
    owner: Id
    goal_id: Id | None = None
    due_date: Day | None = None
    hidden_from: list[Id] = Field(default_factory=list, max_length=8)


class ActionUpdate(_Request):
    description: Text | None = None
    owner: Id | None = None
    due_date: Day | None = None
    status: ActionStatus | None = None
    hidden_from: list[Id] | None = Field(default=None, max_length=8)


class DomainUpdate(_Request):
    strengths: list[Text] = Field(default_factory=list, max_length=20)
    concerns: list[Text] = Field(default_factory=list, max_length=20)
    hidden_from: list[Id] = Field(default_factory=list, max_length=8)


class NewAgreement(_Request):
    text: Text
    hidden_from: list[Id] = Field(default_factory=list, max_length=8)


class SafetyUpdate(_Request):
    """The safety section; ``text: null`` removes it."""

    text: Text | None
    hidden_from: list[Id] = Field(default_factory=list, max_length=8)


class EvaluationUpdate(_Request):
    evaluation_date: Day | None


class NewEvaluation(_Request):
    held_on: Day
    summary: Text
    finalise: bool = False


class EvaluationChange(_Request):
    summary: Text | None = None
    finalise: bool = False


class NetworkUpdate(_Request):
    role: Annotated[str, Field(min_length=2, max_length=60)] | None = None
    end_date: Day | None = None


class ConsentRequest(_Request):
    organization: OrgId
    until: Day | None = None


class CoordinatorHandover(_Request):
    ref: Id = Field(description="the member or network member who coordinates from now on")


class PhaseChange(_Request):
    phase: Phase


# -- answers -----------------------------------------------------------------------------------------------------
class CoordinatorView(_View):
    kind: CoordinatorKind
    ref: str
    display_name: str
    since: datetime


class NetworkView(_View):
    id: str
    kind: NetworkKind
    display_name: str
    role: str
    organization: str | None
    end_date: date | None


class MemberView(_View):
    id: str
    kind: Literal["child", "parent"]
    display_name: str
    birth_date: date | None
    authority: bool


class ConsentView(_View):
    id: str
    organization: str
    given_by: str
    given_at: datetime
    until: date | None
    revoked_at: datetime | None
    in_force: bool


class DomainView(_View):
    domain: LifeDomain
    strengths: list[str]
    concerns: list[str]


class GoalView(_View):
    id: str
    domain: LifeDomain
    description: str
    status: GoalStatus
    target_date: date | None
    hidden_from: list[str] | None = Field(default=None, description="shown to those who may edit only")


class ActionView(_View):
    id: str
    description: str
    owner: str
    goal_id: str | None
    due_date: date | None
    status: ActionStatus
    hidden_from: list[str] | None = None


class AgreementView(_View):
    id: str
    text: str


class EvaluationView(_View):
    id: str
    held_on: date
    summary: str
    finalised: bool
    finalised_at: datetime | None


class PlanView(_View):
    """What this caller may see: ``content`` is null for a professional without the family's consent."""

    id: str
    version: int
    phase: Phase
    draft: bool
    coordinator: CoordinatorView
    network: list[NetworkView]
    access: Literal["summary", "content"]
    relation: str
    can_edit: bool
    members: list[MemberView] | None = None
    consents: list[ConsentView] | None = None
    domains: list[DomainView] | None = None
    goals: list[GoalView] | None = None
    actions: list[ActionView] | None = None
    agreements: list[AgreementView] | None = None
    safety: str | None = None
    evaluation_date: date | None = None
    evaluations: list[EvaluationView] | None = None
    updated_at: datetime


class PlanSummary(_View):
    id: str
    phase: Phase
    draft: bool
    relation: str
    access: Literal["summary", "content"]
    coordinator: CoordinatorView
    updated_at: datetime


class PlanPage(_View):
    items: list[PlanSummary]


class Created(_View):
    id: str
    version: int


class HistoryEntry(_View):
    version: int
    at: datetime
    by: str
    change: str
    items: list[str]


class History(_View):
    items: list[HistoryEntry]


class AccessEntry(_View):
    at: datetime
    user_id: str
    organization: str | None
    roles: list[str]
    what: str = Field(description="e.g. plan.read.content, plan.goal.add")
    action: str
    outcome: str


class AccessLog(_View):
    items: list[AccessEntry]


class DestructionRequested(_View):
    id: str
    requested_at: datetime
    destroyed_by: date = Field(description="the plan is destroyed at the latest on this day (3 months)")
