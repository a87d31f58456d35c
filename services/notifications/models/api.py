"""Requests and answers of the notifications API. Unknown fields are refused (422), so nothing is stored by
mistake; every value is checked before anything changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.notifications.logic.categories import Category

HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["22:00"])]
ExternalChannel = Literal["email", "sms", "push"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class _View(BaseModel):
    model_config = ConfigDict(defer_build=True)


class QuietHours(_Request):
    """Local wall-clock times; may cross midnight (22:00-07:00). Urgent categories ignore them."""

    start: HHMM
    end: HHMM
    timezone: str = Field(default="Europe/Amsterdam", max_length=64, examples=["Europe/Amsterdam"])

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a known IANA time zone, e.g. 'Europe/Amsterdam'") from None
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end are the same: quiet hours would be empty")
        return self


class PreferencesUpdate(_Request):
    """The whole set: categories left out go back to their defaults; ``quiet_hours: null`` switches them off."""

    channels: dict[Category, list[ExternalChannel]] = Field(
        default_factory=dict, description="per category the channels besides the in-app inbox (which is always on)"
    )
    quiet_hours: QuietHours | None = None
    language: Literal["nl", "en"] = "nl"

    @field_validator("channels")
    @classmethod
    def _no_repeats(cls, value: dict[Category, list[str]]) -> dict[Category, list[str]]:
        for category, chosen in value.items():
            if len(set(chosen)) != len(chosen):
                raise ValueError(f"{category.value}: a channel is listed twice")
        return value


class CategoryView(_View):
    category: Category
    channels: list[ExternalChannel]
    urgent: bool = Field(description="urgent categories ignore quiet hours")


class PreferencesView(_View):
    categories: list[CategoryView]
    quiet_hours: QuietHours | None
    language: Literal["nl", "en"]


class InboxView(_View):
    id: str
    category: Category
    title: str = Field(description="in the reader's language; never anything about a family")
    link: str = Field(description="the place in the app, e.g. /signals/matches/mat-...")
    urgent: bool
    created_at: datetime
    read: bool
    read_at: datetime | None = None


class InboxPage(_View):
    items: list[InboxView]
    next: str | None = Field(default=None, description="cursor of the next page")


class UnreadCount(_View):
    unread: int


class MarkedRead(_View):
    marked: int


class DeviceRegistration(_Request):
    platform: Literal["apns", "fcm"]
    token: str = Field(min_length=8, max_length=4096, pattern=r"^[A-Za-z0-9:_\-.]+$")


class DeviceView(_View):
    id: str
    platform: Literal["apns", "fcm"]
    registered_at: datetime
