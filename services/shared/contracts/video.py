"""Events published by the video service (24/7 contact): ids, codes, times and recipients (user ids) only;
never a message, a name or what a parent asked about beyond a topic code."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from services.shared.events import EventData

UserIds = list[str]
Channel = Literal["chat", "callback", "video"]
Urgency = Literal["normal", "urgent"]
Outcome = Literal["advice", "referral", "no_show"]
RouteReason = Literal["office_hours", "out_of_hours", "overflow"]


class _VideoEvent(EventData):
    producer: ClassVar[str] = "video"


class ContactRequested(_VideoEvent):
    contact_id: str
    organization: str = Field(description="the organisation the contact was routed to")
    reason: RouteReason
    channel: Channel
    urgency: Urgency
    recipients: UserIds = Field(default_factory=list, description="the nurses on duty there")


class ContactOffered(_VideoEvent):
    contact_id: str
    nurse_id: str
    offer_expires_at: datetime
    recipients: UserIds


class ContactAccepted(_VideoEvent):
    contact_id: str
    nurse_id: str
    waited_seconds: int
    recipients: UserIds = Field(description="the parent")


class ContactWaitingTooLong(_VideoEvent):
    contact_id: str
    organization: str
    urgency: Urgency
    waited_seconds: int
    recipients: UserIds = Field(description="the nurses on duty and the team lead")


class VideoStarted(_VideoEvent):
    contact_id: str
    recipients: UserIds = Field(description="the parent")


class ContactEnded(_VideoEvent):
    contact_id: str
    outcome: Outcome
    duration_seconds: int
    recipients: UserIds = Field(default_factory=list)


class ContactHandover(_VideoEvent):
    contact_id: str
    organization: str = Field(description="the family's own JGZ organisation")
    topic: str = Field(description="a topic code")
    outcome: Outcome
    referral_to: str | None = None
    requested_at: datetime
    ended_at: datetime
    recipients: UserIds = Field(description="the team of the family's own organisation")


class ContactAbandoned(_VideoEvent):
    contact_id: str
    organization: str
    waited_seconds: int
    recipients: UserIds = Field(default_factory=list)


CONTRACTS: tuple[type[EventData], ...] = (
    ContactRequested,
    ContactOffered,
    ContactAccepted,
    ContactWaitingTooLong,
    VideoStarted,
    ContactEnded,
    ContactHandover,
    ContactAbandoned,
)
