"""Working days for match follow-up deadlines: weekends and Dutch general holidays excluded.

The holidays are the general recognised holidays of the Algemene termijnenwet (art. 3), the law by which Dutch
statutory deadlines are computed. Pure rules: every instant comes in as an argument, nothing reads the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.shared.holidays import SATURDAY, public_holidays

AMSTERDAM = "Europe/Amsterdam"


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start``; ``start`` itself does not count, ``days`` is at least 1."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_day_deadline(at: datetime, days: int, tz: str = AMSTERDAM) -> datetime:
    """The end of the ``days``-th working day after the local date of ``at`` in ``tz``, as an aware UTC instant.

    The end of a day is local midnight at the start of the next calendar day, so the deadline lands on the
    right hour on both sides of a daylight-saving switch.
    """
    if at.utcoffset() is None:
        raise ValueError("at must be an aware datetime")  # a naive one would silently mean the host's zone
    zone = ZoneInfo(tz)
    last = add_working_days(at.astimezone(zone).date(), days)
    return datetime.combine(last + timedelta(days=1), time.min, zone).astimezone(UTC)
