"""Requests and answers of the video API. Requests refuse unknown fields (422)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.video.models.contact import ReferralTarget, Topic

Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9@._+-]{1,128}$")]
OrgId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
Channel = Literal["chat", "callback", "video"]
Phone = Annotated[str, Field(pattern=r"^\+[1-9]\d{7,14}$", description="E.164, e.g. +31612345678")]
MAX_SHIFT_HOURS = 16
MAX_SHIFTS_PER_DAY = 40  # one transaction: the day's old shifts go, the new ones come


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class _View(BaseModel):
    model_config = ConfigDict(defer_build=True)


# -- roster and presence ------------------------------------------------------------------------------------------
class ShiftIn(_Request):
    nurse: Username = Field(description="the nurse's user name")
    start: AwareDatetime
    end: AwareDatetime
    channels: list[Channel] = Field(min_length=1, max_length=3)
    languages: list[Language] = Field(default_factory=lambda: ["nl"], min_length=1, max_length=10)

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if self.end <= self.start:
            raise ValueError("a shift ends after it starts")
        if (self.end - self.start).total_seconds() > MAX_SHIFT_HOURS * 3600:
            raise ValueError(f"a shift is at most {MAX_SHIFT_HOURS} hours")
        if len(set(self.channels)) != len(self.channels) or len(set(self.languages)) != len(self.languages):
            raise ValueError("channels and languages are listed once each")
        return self


class RosterDay(_Request):
    """The whole roster of one organisation for the shifts that start on ``date`` (Dutch time): it replaces
    what was there, so sending it again changes nothing."""

    organization: OrgId
    date: Annotated[date, Field(ge=date(2000, 1, 1), le=date(2199, 12, 31))]
    shifts: list[ShiftIn] = Field(max_length=MAX_SHIFTS_PER_DAY)


class ShiftView(_View):
    organization: str
    nurse: str
    nurse_id: str
    start: datetime
    end: datetime
    channels: list[str]
    languages: list[str]
    on_duty_now: bool


class RosterView(_View):
    date: date
    shifts: list[ShiftView]


class PresenceUpdate(_Request):
    """Sent by the nurse's app on every change and as a heartbeat (every 30 s is plenty): without one for the
    region's presence timeout the nurse counts as away."""

    status: Literal["available", "busy", "away"]
    capacity: Annotated[int, Field(ge=1, le=10)] | None = Field(default=None, description="parallel chats")


class PresenceView(_View):
    status: str
    capacity: int
    limit: int = Field(description="the capacity, at most the region's maximum")
    active: int = Field(description="contacts offered to or held by you now")
    on_duty: bool = Field(description="you have a shift now")
    expires_at: datetime = Field(description="when you count as away without another heartbeat")


# -- contacts -----------------------------------------------------------------------------------------------------
class NewContact(_Request):
    channel: Channel
    topic: Topic
    child_age_months: Annotated[int, Field(ge=0, le=18 * 12)] | None = None
    language: Language = "nl"
    urgency: Literal["normal", "urgent"] = "normal"
    callback_phone: Phone | None = None

    @model_validator(mode="after")
    def _callback_needs_phone(self) -> Self:
        if self.channel == "callback" and self.callback_phone is None:
            raise ValueError("callback_phone is needed for a call-back")
        if self.channel != "callback" and self.callback_phone is not None:
            raise ValueError("callback_phone is only for a call-back")
        return self


class VideoState(_View):
    active: bool
    started_at: datetime | None = None
    ended_at: datetime | None = None


class ContactView(_View):
    id: str
    status: str
    channel: str
    topic: str
    urgency: str
    language: str
    child_age_months: int | None = None
    organization: str = Field(description="the organisation answering")
    routed: Literal["office_hours", "out_of_hours", "overflow"] = Field(
        description="own JGZ in office hours; the out-of-hours partner outside them, or when nobody was on duty"
    )
    notice: str | None = Field(default=None, description="a plain sentence for the parent, e.g. on overflow")
    requested_at: datetime
    queue_position: int | None = Field(default=None, description="1 = next in line; while waiting or being offered")
    expected_wait_seconds: int | None = Field(default=None, description="a rough estimate; None when unknown")
    accepted_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: str | None = None
    referral_to: str | None = None
    callback_phone: str | None = Field(default=None, description="to the nurse of a call-back only")
    you_are: Literal["parent", "nurse"]
    video: VideoState


class ContactPage(_View):
    contacts: list[ContactView]


class QueueEntry(_View):
    id: str
    channel: str
    topic: str
    urgency: str
    language: str
    child_age_months: int | None = None
    waiting_seconds: int
    status: Literal["waiting", "offered"]
    offered_to_you: bool
    offer_expires_at: datetime | None = None


class QueueView(_View):
    organization: str
    waiting: int = Field(description="contacts nobody has been offered yet (the entries also show those on offer)")
    entries: list[QueueEntry]


class EndContact(_Request):
    outcome: Literal["advice", "referral", "no_show"]
    referral_to: ReferralTarget | None = None

    @model_validator(mode="after")
    def _referral_has_target(self) -> Self:
        if (self.outcome == "referral") != (self.referral_to is not None):
            raise ValueError("referral_to is given with a referral, and only then")
        return self


# -- the conversation -----------------------------------------------------------------------------------------------
class NewMessage(_Request):
    text: Annotated[str, Field(min_length=1, max_length=2000)]


class MessageView(_View):
    id: str
    sender: Literal["parent", "nurse"]
    mine: bool
    text: str
    sent_at: datetime


class MessagePage(_View):
    messages: list[MessageView]
    after: str | None = Field(description="pass as ?after= to get only newer messages")


class JoinInfo(_View):
    """What the Chime SDK client takes: ``new MeetingSessionConfiguration(Meeting, Attendee)``."""

    Meeting: dict[str, Any]
    Attendee: dict[str, str]
