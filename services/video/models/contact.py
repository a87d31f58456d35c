"""A parent's 24/7 contact, as the video service keeps it (one JSON document per contact, see ``dal/tables.py``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Status = Literal["waiting", "offered", "active", "ended", "abandoned"]
OPEN: frozenset[str] = frozenset({"waiting", "offered", "active"})
QUEUED: frozenset[str] = frozenset({"waiting", "offered"})


class Topic(StrEnum):
    """What the parent wants to talk about: a code, never free text (it goes into queues and handovers)."""

    CRYING = "crying"
    SLEEP = "sleep"
    FEEDING = "feeding"
    ILLNESS = "illness"
    GROWTH = "growth_development"
    BEHAVIOUR = "behaviour"
    PARENTING = "parenting"
    SAFETY = "safety"
    OTHER = "other"


class ReferralTarget(StrEnum):
    OWN_JGZ = "own_jgz"  # the family's own JGZ team
    GP = "gp"
    GP_OUT_OF_HOURS = "gp_out_of_hours"  # huisartsenpost
    EMERGENCY = "emergency"  # 112 / the emergency department
    NEIGHBOURHOOD_TEAM = "neighbourhood_team"
    OTHER = "other"


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str
    parent_id: str
    municipality: str | None = None
    organization: str = Field(description="where it was routed")
    own_organization: str | None = Field(default=None, description="the family's own JGZ organisation")
    reason: Literal["office_hours", "out_of_hours", "overflow"]
    channel: Literal["chat", "callback", "video"]
    topic: Topic
    child_age_months: int | None = None
    language: str = "nl"
    urgency: Literal["normal", "urgent"] = "normal"
    callback_phone: str | None = None  # removed when the contact ends
    status: Status = "waiting"
    requested_at: AwareDatetime
    offered_to: str | None = None
    offer_expires_at: AwareDatetime | None = None
    passed: list[str] = Field(default_factory=list, description="nurses who let an offer of it run out")
    attempts: int = 0  # offers made
    nurse_id: str | None = None
    accepted_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    outcome: Literal["advice", "referral", "no_show"] | None = None
    referral_to: ReferralTarget | None = None
    meeting_id: str | None = None
    meetings: int = 0  # meetings started so far (the next one's attempt number)
    attendees: dict[str, str] = Field(default_factory=dict, description="user id -> attendee id of the meeting")
    video_started_at: AwareDatetime | None = None
    video_ended_at: AwareDatetime | None = None
    escalated: bool = False  # ContactWaitingTooLong was published
    revision: int = 0

    def party(self, user_id: str) -> Literal["parent", "nurse"] | None:
        if user_id == self.parent_id:
            return "parent"
        if self.nurse_id is not None and user_id == self.nurse_id:
            return "nurse"
        return None

    def waited_seconds(self, until: datetime) -> int:
        end = self.accepted_at or self.ended_at or until
        return max(0, int((end - self.requested_at).total_seconds()))
