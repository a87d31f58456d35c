"""The law's dates for a signal: removal (Besluit Jeugdwet 7.1.4.5) and the historical archive (7.1.4.6).

Dates are counted in Dutch civil time (Europe/Amsterdam) and every instant returned is aware UTC, so it can be
stored as ISO text and compared with ``clock.now()``. Pure rules: every instant comes in as an argument.

29 February: someone born on 29 February reaches an age on 1 March in a year without one (Dutch practice), and
a whole number of years after 29 February is 1 March likewise, so ``birthday`` and ``add_years`` agree. Months
clamp to the end of the month instead (31 August + 6 months is the last day of February).
"""

from __future__ import annotations

from calendar import isleap, monthrange
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

MAX_AGE = 23  # Besluit Jeugdwet 7.1.4.5: removed at the latest on the 23rd birthday
ACTIVE_YEARS = 2  # Besluit Jeugdwet 7.1.4.5: removed at the latest two years after it was made
ARCHIVE_YEARS = 5  # Besluit Jeugdwet 7.1.4.6: five years in the historical archive
REVIEW_MONTHS = (6, 12, 18)  # ask the signaller whether the risk is still there, well before the two years end
AMSTERDAM = "Europe/Amsterdam"

RemovalCause = Literal["two_years", "age_23"]


def _plus_years(day: date, years: int) -> date:
    year = day.year + years
    if (day.month, day.day) == (2, 29) and not isleap(year):
        return date(year, 3, 1)  # 29 February counts on to 1 March in a year without one (Dutch practice)
    return day.replace(year=year)


def _plus_months(day: date, months: int) -> date:
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _shift_local(at: datetime, shift: Callable[[date], date], tz: str) -> datetime:
    if at.utcoffset() is None:
        raise ValueError("at must be an aware datetime")  # a naive one would silently mean the host's zone
    zone = ZoneInfo(tz)
    local = at.astimezone(zone)
    return datetime.combine(shift(local.date()), local.time(), zone).astimezone(UTC)


def local_date(at: datetime, tz: str = AMSTERDAM) -> date:
    """The Dutch calendar date of an instant (23:30 UTC on 31 December is already New Year's Day in winter)."""
    if at.utcoffset() is None:
        raise ValueError("at must be an aware datetime")
    return at.astimezone(ZoneInfo(tz)).date()


def birthday(birth_date: date, age: int) -> date:
    """The day someone born on ``birth_date`` turns ``age``; born on 29 February: 1 March in other years."""
    return _plus_years(birth_date, age)


def age_on(birth_date: date, day: date) -> int:
    age = day.year - birth_date.year
    return age if day >= birthday(birth_date, age) else age - 1


def is_too_old(birth_date: date, on: date) -> bool:
    """Whether a signal on this youth is refused: at 23 the index lets go of a youth (Besluit Jeugdwet 7.1.4.5)."""
    return age_on(birth_date, on) >= MAX_AGE


def add_years(at: datetime, years: int, tz: str = AMSTERDAM) -> datetime:
    """``at`` plus whole calendar years on the wall clock of ``tz``, as an aware UTC instant.

    Same local date and time ``years`` later; 29 February becomes 1 March in a year without one, as ``birthday``
    does (``dateutil.relativedelta`` would give 28 February). A local time that a daylight-saving switch skips
    lands just after the switch.
    """
    return _shift_local(at, lambda day: _plus_years(day, years), tz)


def add_months(at: datetime, months: int, tz: str = AMSTERDAM) -> datetime:
    """``at`` plus calendar months on the wall clock of ``tz``, as an aware UTC instant.

    A day the target month lacks clamps to its last day: 31 August + 6 months is 28 (or 29) February, and
    29 February + 12 months is 28 February (``add_years`` gives 1 March; months follow the month's end).
    """
    return _shift_local(at, lambda day: _plus_months(day, months), tz)


def start_of_local_day(day: date, tz: str = AMSTERDAM) -> datetime:
    """Local midnight at the start of ``day`` in ``tz``, as an aware UTC instant."""
    return datetime.combine(day, time.min, ZoneInfo(tz)).astimezone(UTC)


def removal_due(registered_at: datetime, birth_date: date) -> tuple[datetime, RemovalCause]:
    """When an active signal must go, and why: two years after it was made or the 23rd birthday, the earlier."""
    two_years = add_years(registered_at, ACTIVE_YEARS)  # Besluit Jeugdwet 7.1.4.5: at most two years
    turns_23 = start_of_local_day(birthday(birth_date, MAX_AGE))  # Besluit Jeugdwet 7.1.4.5: at the 23rd birthday
    if turns_23 <= two_years:  # on a tie the youth is 23, and then nothing may be archived: the age decides
        return turns_23, "age_23"
    return two_years, "two_years"


def archive_until(removed_at: datetime, birth_date: date) -> datetime | None:
    """Until when a removed signal stays in the historical archive; None when nothing is left to archive."""
    # Besluit Jeugdwet 7.1.4.6: five years in the archive, destroyed at the 23rd birthday
    until = min(add_years(removed_at, ARCHIVE_YEARS), start_of_local_day(birthday(birth_date, MAX_AGE)))
    return until if until > removed_at else None


def review_moments(registered_at: datetime, removal_due: datetime) -> list[tuple[int, datetime]]:
    """(months, instant) 6, 12 and 18 months after registration, leaving out those not before removal."""
    moments = [(months, add_months(registered_at, months)) for months in REVIEW_MONTHS]
    return [(months, at) for months, at in moments if at < removal_due]
