"""Events published by the signals service (the referral index).

They carry identifiers, codes, dates and the user ids of the people to tell (``recipients``), never a BSN, a
name or anything about why someone signalled. ``notify_matchregie`` asks the notifications service to also
tell the match follow-up officer of ``municipality`` (from the region config).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from services.shared.events import EventData

MatchKind = Literal["youth", "family", "address", "historical"]
UserIds = list[str]


class _SignalsEvent(EventData):
    producer: ClassVar[str] = "signals"


class SignalRegistered(_SignalsEvent):
    signal_id: str
    municipality: str = Field(description="CBS code of the youth's municipality")
    organization: str
    signaller_id: str
    removal_due: datetime


class SignalWithdrawn(_SignalsEvent):
    signal_id: str
    municipality: str
    archived: bool = Field(description="kept in the historical archive (risk resolved) or purged at once")


class SignalExpired(_SignalsEvent):
    signal_id: str
    municipality: str
    cause: Literal["two_years", "age_23"]
    archived: bool


class SignalPurged(_SignalsEvent):
    signal_id: str
    municipality: str


class MatchFound(_SignalsEvent):
    match_id: str
    kind: MatchKind
    municipality: str
    signal_ids: list[str]
    recipients: UserIds = Field(description="every signalling professional in the match")
    notify_matchregie: bool = True


class MatchPartyAdded(_SignalsEvent):
    match_id: str
    kind: MatchKind
    municipality: str
    signal_id: str = Field(description="the signal that joined")
    recipients: UserIds = Field(description="every signalling professional in the match, the new one included")
    notify_matchregie: bool = True


class HistoricalMatchFound(_SignalsEvent):
    match_id: str
    signal_id: str = Field(description="the new signal")
    recipients: UserIds = Field(description="the new signaller only")


class CoordinatorAssigned(_SignalsEvent):
    match_id: str
    kind: MatchKind
    municipality: str
    subject: str = Field(description="the youth's pseudonym (keyed HMAC), so the plans service can find the family")
    coordinator_party_id: str
    coordinator_id: str = Field(description="user id of the coordinating professional")
    party_ids: UserIds = Field(description="user ids of every active party, the coordinator included")
    party_organizations: dict[str, str] = Field(
        default_factory=dict, description="user id -> organisation id of every active party (for the family plan)"
    )
    assigned_by: str
    recipients: UserIds


class MatchContactRecorded(_SignalsEvent):
    match_id: str
    party_id: str
    recorded_by: str
    recipients: UserIds


class MatchFollowUpOverdue(_SignalsEvent):
    match_id: str
    municipality: str
    due_at: datetime
    missing: list[Literal["contact", "coordination"]]
    escalated: bool = Field(description="the second deadline: addressed to the municipality")
    recipients: UserIds
    notify_matchregie: bool = True


class MatchFollowUpCompleted(_SignalsEvent):
    match_id: str
    municipality: str
    outcome: str
    within_deadline: bool
    recipients: UserIds
    notify_matchregie: bool = True


class SignalReviewDue(_SignalsEvent):
    signal_id: str
    months: Literal[6, 12, 18]
    removal_due: date
    recipients: UserIds


CONTRACTS: tuple[type[EventData], ...] = (
    SignalRegistered,
    SignalWithdrawn,
    SignalExpired,
    SignalPurged,
    MatchFound,
    MatchPartyAdded,
    HistoricalMatchFound,
    CoordinatorAssigned,
    MatchContactRecorded,
    MatchFollowUpOverdue,
    MatchFollowUpCompleted,
    SignalReviewDue,
)
