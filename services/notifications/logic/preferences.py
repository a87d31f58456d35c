"""A recipient's preferences: channels per category, quiet hours in their own time zone, and language.

Quiet hours are local wall-clock times (22:00-07:00 means that in Amsterdam in summer and in winter) and
may cross midnight. Urgent categories ignore them; other external messages are held until they end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pynamodb.exceptions import DoesNotExist

from services.notifications.dal.tables import PreferencesItem
from services.notifications.logic.categories import CATEGORIES, EXTERNAL, Category, Channel

DEFAULT_TIMEZONE = "Europe/Amsterdam"
DEFAULT_LANGUAGE = "nl"


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    timezone: str = DEFAULT_TIMEZONE

    def contains(self, at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(self.timezone)).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # across midnight

    def end_after(self, at: datetime) -> datetime:
        """The first moment after ``at`` at which quiet hours end (aware UTC)."""
        zone = ZoneInfo(self.timezone)
        day = at.astimezone(zone).date()
        for offset in range(3):
            # A wall-clock time the switch to summer time skips (02:30) lands just after it.
            candidate = datetime.combine(day + timedelta(days=offset), self.end, zone).astimezone(UTC)
            if candidate > at:
                return candidate
        raise AssertionError("quiet hours end within two days")  # pragma: no cover


@dataclass(frozen=True)
class Preferences:
    channels: dict[Category, frozenset[Channel]] = field(
        default_factory=lambda: {c: spec.default_channels for c, spec in CATEGORIES.items()}
    )
    language: str = DEFAULT_LANGUAGE
    quiet_hours: QuietHours | None = None
    stored: bool = False

    def external_channels(self, category: Category) -> list[Channel]:
        chosen = self.channels.get(category, CATEGORIES[category].default_channels)
        return [c for c in EXTERNAL if c in chosen]


def _key(user_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", "PREFS"


def load(user_id: str) -> Preferences:
    try:
        item = PreferencesItem.get(*_key(user_id), consistent_read=True)
    except DoesNotExist:
        return Preferences()
    if not isinstance(item, PreferencesItem):
        return Preferences()
    stored = json.loads(item.channels)
    channels = {c: spec.default_channels for c, spec in CATEGORIES.items()}
    for name, chosen in stored.items():
        if name in Category.__members__.values():
            channels[Category(name)] = frozenset(Channel(c) for c in chosen if c in Channel.__members__.values())
    quiet = None
    if item.quiet_start and item.quiet_end:
        quiet = QuietHours(time.fromisoformat(item.quiet_start), time.fromisoformat(item.quiet_end), item.timezone)
    return Preferences(channels=channels, language=item.language, quiet_hours=quiet, stored=True)


def item_for(user_id: str, preferences: Preferences, now: datetime) -> PreferencesItem:
    quiet = preferences.quiet_hours
    return PreferencesItem(
        *_key(user_id),
        channels=json.dumps({c.value: sorted(ch.value for ch in chosen) for c, chosen in preferences.channels.items()}),
        language=preferences.language,
        quiet_start=quiet.start.strftime("%H:%M") if quiet else None,
        quiet_end=quiet.end.strftime("%H:%M") if quiet else None,
        timezone=quiet.timezone if quiet else DEFAULT_TIMEZONE,
        updated_at=now.isoformat(),
    )
