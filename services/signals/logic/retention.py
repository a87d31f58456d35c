"""The law's dates for a signal: Jeugdwet 7.1.4.5 (removal) and 7.1.4.6 (archive).

Someone born on 29 February reaches an age on 1 March in a year without 29 February (Dutch practice), and
adding years to 29 February lands on 1 March likewise, so ``birthday`` and ``add_years`` agree.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

MAX_AGE = 23  # 7.1.4.5: at the latest at the 23rd birthday
ACTIVE_YEARS = 2  # 7.1.4.5: at the latest two years after the signal was made
ARCHIVE_YEARS = 5  # 7.1.4.6: kept five years in the historical archive
REVIEW_MONTHS = (6, 12, 18)
AMSTERDAM = "Europe/Amsterdam"

RemovalCause = Literal["two_years", "age_23"]


def _shift_date(day: date, years: int = 0, months: int = 0) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + years + month_index // 12, month_index % 12 + 1
    if day.month == 2 and day.day == 29 and months == 0 and not calendar.isleap(year):
        return date(year, 3, 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def birthday(birth_date: date, age: int) -> date:
    return _shift_date(birth_date, years=age)


def age_on(birth_date: date, day: date) -> int:
    age = day.year - birth_date.year
    return age if day >= birthday(birth_date, age) else age - 1


def is_too_old(birth_date: date, on: date) -> bool:
    return age_on(birth_date, on) >= MAX_AGE


def add_years(at: datetime, years: int) -> datetime:
    return datetime.combine(_shift_date(at.date(), years=years), at.timetz())


def add_months(at: datetime, months: int) -> datetime:
    return datetime.combine(_shift_date(at.date(), months=months), at.timetz())


def start_of_local_day(day: date, tz: str = AMSTERDAM) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(tz)).astimezone(UTC)


def removal_due(registered_at: datetime, birth_date: date) -> tuple[datetime, RemovalCause]:
    two_years = add_years(registered_at, ACTIVE_YEARS)
    turns_23 = start_of_local_day(birthday(birth_date, MAX_AGE))
    return (turns_23, "age_23") if turns_23 < two_years else (two_years, "two_years")


def archive_until(removed_at: datetime, birth_date: date) -> datetime | None:
    """Five years, never past the 23rd birthday (7.1.4.6); None when nothing is left to archive."""
    until = min(add_years(removed_at, ARCHIVE_YEARS), start_of_local_day(birthday(birth_date, MAX_AGE)))
    return until if until > removed_at else None


def review_moments(registered_at: datetime, removal_due: datetime) -> list[tuple[int, datetime]]:
    moments = [(m, add_months(registered_at, m)) for m in REVIEW_MONTHS]
    return [(m, at) for m, at in moments if at < removal_due]
