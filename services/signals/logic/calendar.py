"""Working days for match follow-up deadlines: weekends and Dutch general holidays excluded.

The holidays are those of the Algemene termijnenwet (art. 3), the law by which Dutch statutory deadlines are
computed: New Year's Day, Easter Monday, Ascension Day, Whit Monday, Christmas and Boxing Day, King's Day and
Liberation Day (every year, for this law). Good Friday is not in it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.easter import easter

AMSTERDAM = "Europe/Amsterdam"


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    easter_sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday, King's Day is the Saturday before
        kings_day = date(year, 4, 26)
    return frozenset(
        {
            date(year, 1, 1),
            easter_sunday + timedelta(days=1),
            kings_day,
            date(year, 5, 5),
            easter_sunday + timedelta(days=39),
            easter_sunday + timedelta(days=50),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_day_deadline(at: datetime, days: int, tz: str = AMSTERDAM) -> datetime:
    """The end (local midnight) of the ``days``-th working day after the local date of ``at``, in UTC."""
    zone = ZoneInfo(tz)
    last = add_working_days(at.astimezone(zone).date(), days)
    return datetime.combine(last + timedelta(days=1), time.min, zone).astimezone(UTC)
