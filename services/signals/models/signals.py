"""Requests and responses of the signals API. Every request model forbids unknown fields: a client must never
believe it stored a reason or a note (Jeugdwet 7.1.4.3: a signal holds no content)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.shared.bsn import Bsn
from services.shared.region import CbsCode

MatchKind = Literal["youth", "family", "address", "historical"]
FollowUpState = Literal["open", "overdue", "done", "closed", "not_applicable"]
SignalId = Annotated[str, Field(pattern=r"^sig-[0-9a-f]{32}$")]
MatchId = Annotated[str, Field(pattern=r"^mat-[0-9a-f]{32}$")]


# defer_build: a model's validator is built on first use, so a cold start builds only its route's models.
class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class _View(BaseModel):
    model_config = ConfigDict(defer_build=True)


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"
    UNKNOWN = "X"


class NoBsn(_Request):
    """A youth without a BSN: family name, date of birth and sex stand in for it (7.1.4.3 a)."""

    family_name: str = Field(min_length=1, max_length=120, pattern=r"^[^\d\n\r\t<>{}]+$")
    birth_date: date
    sex: Sex


class Address(_Request):
    postcode: str = Field(pattern=r"^[1-9]\d{3} ?[A-Za-z]{2}$", examples=["9712 CP"])
    house_number: int = Field(ge=1, le=99999)
    addition: str | None = Field(default=None, max_length=8, pattern=r"^[A-Za-z0-9 -]{1,8}$")


class NewSignal(_Request):
    bsn: Bsn | None = None
    no_bsn: NoBsn | None = None
    birth_date: date
    municipality: CbsCode
    parent_bsns: list[Bsn] = Field(default_factory=list, max_length=4)
    address: Address | None = None

    @model_validator(mode="after")
    def _one_identity(self) -> NewSignal:
        if (self.bsn is None) == (self.no_bsn is None):
            raise ValueError("give either bsn or no_bsn (for a youth without a BSN), not both and not neither")
        if self.no_bsn is not None and self.no_bsn.birth_date != self.birth_date:
            raise ValueError("no_bsn.birth_date must equal birth_date")
        if len(set(self.parent_bsns)) != len(self.parent_bsns):
            raise ValueError("parent_bsns lists a BSN twice")
        if self.bsn is not None and self.bsn in self.parent_bsns:
            raise ValueError("parent_bsns contains the youth's own BSN")
        return self


class WithdrawalReason(StrEnum):
    RISK_RESOLVED = "risk_resolved"
    UNJUSTIFIED = "unjustified"
    OBJECTION = "objection"
    DECEASED = "deceased"


class Withdrawal(_Request):
    reason: WithdrawalReason


class CoordinatorChoice(_Request):
    party_id: SignalId = Field(description="the party (its signal id) who coordinates from now on")


class FollowUpOutcome(StrEnum):
    COORDINATION_AGREED = "coordination_agreed"
    CONTACT_MADE = "contact_made"
    NO_FOLLOW_UP_NEEDED = "no_follow_up_needed"
    PARTIES_UNREACHABLE = "parties_unreachable"


class FollowUpClose(_Request):
    outcome: FollowUpOutcome


class Erasure(_Request):
    bsn: Bsn


# -- responses -----------------------------------------------------------------------------------------------


class Registered(_View):
    id: str
    status: Literal["active"]
    registered_at: datetime
    removal_due: datetime
    match_id: str | None = Field(description="the youth match this signal is in, if any")
    match_ids: list[str] = Field(description="every match this signal formed or joined (youth, family, address)")
    historical_match_id: str | None = None


class Contact(_View):
    name: str
    organization: str
    organization_name: str
    email: str | None
    phone: str | None


class SignalView(_View):
    id: str
    status: Literal["active", "archived"]
    registered_at: datetime
    removal_due: datetime
    birth_date: date
    municipality: str
    match_ids: list[str]
    bsn: str | None = Field(default=None, description="masked to its last three digits, e.g. '******789'")
    no_bsn: NoBsn | None = None


class SignalSummary(_View):
    id: str
    status: Literal["active", "archived"]
    registered_at: datetime
    removal_due: datetime
    birth_date: date
    municipality: str


class SignalPage(_View):
    items: list[SignalSummary]
    next: str | None = Field(description="cursor for the next page, or null")


class Withdrawn(_View):
    id: str
    status: Literal["archived", "purged"]
    archive_until: datetime | None


class PartyView(_View):
    party_id: str
    contact: Contact
    organisation_coordinator: Contact | None
    contact_made: bool
    is_coordinator: bool


class MatchView(_View):
    id: str
    kind: MatchKind
    created_at: datetime
    municipality: str
    my_party_id: str
    contact_made: bool = Field(description="whether the caller has marked contact as made")
    others: list[PartyView] = Field(description="the other professionals (active parties)")
    coordinator: PartyView | None
    coordinator_outside_match: bool = Field(description="coordination moved to someone outside the match (a plan)")
    follow_up: FollowUpState
    follow_up_due: datetime | None


class MatchPage(_View):
    items: list[MatchView]
    next: str | None


class FollowUpView(_View):
    id: str
    kind: MatchKind
    created_at: datetime
    follow_up: FollowUpState
    follow_up_due: datetime | None
    escalation_due: datetime | None
    parties: list[PartyView]
    contacts_made: int
    coordinator_assigned: bool
    outcome: str | None
    completed_at: datetime | None


class FollowUpPage(_View):
    items: list[FollowUpView]
    next: str | None


class SubjectSignal(_View):
    organization: str
    organization_name: str
    status: Literal["active", "archived"]
    registered_at: datetime
    removal_due: datetime | None
    archive_until: datetime | None


class LogbookEntry(_View):
    at: datetime
    event: str
    organization: str | None
    user_id: str


class SubjectReport(_View):
    """Answer to an access request (AVG art. 15, Jeugdwet 7.1.5): who signalled, and the logbook (7.1.2.3 f)."""

    signals: list[SubjectSignal]
    logbook: list[LogbookEntry]


class Erased(_View):
    erased_signals: int


class StatisticsCell(_View):
    key: str
    count: str = Field(description="a number, or '<5' for a small cell (7.1.2.3 h)")


class Statistics(_View):
    period_from: date
    period_to: date
    signals_per_municipality: list[StatisticsCell]
    signals_per_domain: list[StatisticsCell]
    matches_per_kind: list[StatisticsCell]
    follow_ups_done: str
    follow_up_within_deadline_percent: float | None = Field(
        description="share of completed follow-ups done within the deadline; null when fewer than 5"
    )
