"""Working days for match follow-up deadlines: weekends and the holidays of the Algemene termijnenwet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.easter import easter
from hypothesis import given
from hypothesis import strategies as st

from services.signals.logic.calendar import add_working_days, is_working_day, public_holidays, working_day_deadline

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def working_days_between(start: date, end: date) -> int:
    """How many working days lie in (start, end]."""
    return sum(is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


# -- the holiday list --------------------------------------------------------------------------------------


def test_easter_dates_used_below_match_dateutil() -> None:
    assert easter(2025) == date(2025, 4, 20)
    assert easter(2026) == date(2026, 4, 5)


def test_holidays_of_2025_are_the_algemene_termijnenwet_list() -> None:
    assert sorted(public_holidays(2025)) == [
        date(2025, 1, 1),  # Nieuwjaarsdag
        date(2025, 4, 21),  # Tweede Paasdag (Easter 20 April)
        date(2025, 4, 26),  # Koningsdag on Saturday: 27 April 2025 is a Sunday
        date(2025, 5, 5),  # Bevrijdingsdag
        date(2025, 5, 29),  # Hemelvaartsdag
        date(2025, 6, 9),  # Tweede Pinksterdag
        date(2025, 12, 25),
        date(2025, 12, 26),
    ]


def test_holidays_of_2026_are_the_algemene_termijnenwet_list() -> None:
    assert sorted(public_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 6),  # Tweede Paasdag (Easter 5 April)
        date(2026, 4, 27),  # Koningsdag on its own date (a Monday)
        date(2026, 5, 5),  # Bevrijdingsdag, though 2026 is no lustrum year
        date(2026, 5, 14),  # Hemelvaartsdag
        date(2026, 5, 25),  # Tweede Pinksterdag
        date(2026, 12, 25),
        date(2026, 12, 26),
    ]


def test_kings_day_falls_on_saturday_26_april_when_27_april_is_a_sunday() -> None:
    assert date(2025, 4, 26) in public_holidays(2025)
    assert date(2025, 4, 27) not in public_holidays(2025)
    assert date(2014, 4, 26) in public_holidays(2014)


def test_good_friday_is_a_working_day() -> None:
    assert is_working_day(date(2025, 4, 18))
    assert is_working_day(date(2026, 4, 3))


def test_liberation_day_is_no_working_day_even_outside_lustrum_years() -> None:
    assert not is_working_day(date(2026, 5, 5))  # a Tuesday
    assert not is_working_day(date(2027, 5, 5))  # a Wednesday


def test_weekends_are_no_working_days_and_ordinary_weekdays_are() -> None:
    assert not is_working_day(date(2026, 1, 10))  # Saturday
    assert not is_working_day(date(2026, 1, 11))  # Sunday
    assert is_working_day(date(2026, 1, 12))  # Monday


# -- adding working days -----------------------------------------------------------------------------------


def test_working_days_skip_christmas_the_weekend_and_new_year() -> None:
    # Tue 23 Dec 2025: 24 (1), [25, 26, 27, 28 off], 29 (2), 30 (3), 31 (4), [1 Jan off], Fri 2 Jan (5)
    assert add_working_days(date(2025, 12, 23), 3) == date(2025, 12, 30)
    assert add_working_days(date(2025, 12, 23), 5) == date(2026, 1, 2)


def test_working_days_skip_easter_monday_but_count_good_friday() -> None:
    # Thu 2 Apr 2026: Good Friday 3 (1), [4, 5, Easter Monday 6 off], Tue 7 (2)
    assert add_working_days(date(2026, 4, 2), 2) == date(2026, 4, 7)


def test_working_days_skip_kings_day_and_liberation_day() -> None:
    # Fri 24 Apr 2026: [25, 26, King's Day 27 off], 28, 29, 30, 1 May, [2, 3 off], 4 May (5), [5 May off], 6 May (6)
    assert add_working_days(date(2026, 4, 24), 5) == date(2026, 5, 4)
    assert add_working_days(date(2026, 4, 24), 6) == date(2026, 5, 6)


def test_working_days_skip_ascension_day_and_whit_monday() -> None:
    assert add_working_days(date(2026, 5, 13), 1) == date(2026, 5, 15)  # Thu 14 May: Hemelvaartsdag
    assert add_working_days(date(2026, 5, 22), 1) == date(2026, 5, 26)  # Mon 25 May: Tweede Pinksterdag


def test_counting_from_a_weekend_starts_on_monday() -> None:
    assert add_working_days(date(2026, 1, 10), 1) == date(2026, 1, 12)


@pytest.mark.parametrize("days", [0, -1])
def test_adding_no_or_negative_working_days_is_refused(days: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(date(2026, 1, 12), days)


# -- deadlines as instants ---------------------------------------------------------------------------------


def test_deadline_is_local_midnight_after_the_last_working_day_in_winter() -> None:
    # Tue 6 Jan 2026 11:00 local + 5: 7, 8, 9, 12, 13 -> end of Tue 13 Jan = 14 Jan 00:00 CET
    assert working_day_deadline(datetime(2026, 1, 6, 10, tzinfo=UTC), 5) == datetime(2026, 1, 13, 23, tzinfo=UTC)


def test_deadline_counts_from_the_dutch_date_not_the_utc_date() -> None:
    # 23:30 UTC on Monday 5 Jan is already Tuesday 6 Jan in Amsterdam
    assert working_day_deadline(datetime(2026, 1, 5, 23, 30, tzinfo=UTC), 5) == datetime(2026, 1, 13, 23, tzinfo=UTC)
    # 22:30 UTC is still Monday in Amsterdam
    assert working_day_deadline(datetime(2026, 1, 5, 22, 30, tzinfo=UTC), 5) == datetime(2026, 1, 12, 23, tzinfo=UTC)


def test_deadline_across_the_switch_to_summer_time_ends_at_summer_midnight() -> None:
    # Wed 25 Mar 2026 + 3: 26, 27, Mon 30 (clocks went forward on Sun 29 Mar) -> 31 Mar 00:00 CEST
    assert working_day_deadline(datetime(2026, 3, 25, 12, tzinfo=UTC), 3) == datetime(2026, 3, 30, 22, tzinfo=UTC)
    # ending on Fri 27 Mar, still winter time -> 28 Mar 00:00 CET
    assert working_day_deadline(datetime(2026, 3, 25, 12, tzinfo=UTC), 2) == datetime(2026, 3, 27, 23, tzinfo=UTC)


def test_deadline_across_the_switch_to_winter_time_ends_at_winter_midnight() -> None:
    # Thu 22 Oct 2026 + 2: 23, Mon 26 (clocks went back on Sun 25 Oct) -> 27 Oct 00:00 CET
    assert working_day_deadline(datetime(2026, 10, 22, 10, tzinfo=UTC), 2) == datetime(2026, 10, 26, 23, tzinfo=UTC)
    # ending on Fri 23 Oct, still summer time -> 24 Oct 00:00 CEST
    assert working_day_deadline(datetime(2026, 10, 22, 10, tzinfo=UTC), 1) == datetime(2026, 10, 23, 22, tzinfo=UTC)


def test_deadline_is_the_same_whatever_zone_the_instant_is_written_in() -> None:
    in_utc = datetime(2025, 10, 24, 21, 30, tzinfo=UTC)
    assert working_day_deadline(in_utc.astimezone(AMSTERDAM), 3) == working_day_deadline(in_utc, 3)
    assert working_day_deadline(in_utc, 3).tzinfo is UTC


def test_deadline_can_be_counted_in_another_zone() -> None:
    # 23:30 UTC on Monday 5 Jan is Monday in UTC: end of Mon 12 Jan there
    assert working_day_deadline(datetime(2026, 1, 5, 23, 30, tzinfo=UTC), 5, tz="UTC") == datetime(
        2026, 1, 13, tzinfo=UTC
    )


def test_deadline_from_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        working_day_deadline(datetime(2026, 1, 6, 10), 5)


# -- properties --------------------------------------------------------------------------------------------

years = st.integers(min_value=1900, max_value=2200)
starts = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
day_counts = st.integers(min_value=1, max_value=60)
instants = st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@given(starts, day_counts)
def test_adding_working_days_lands_on_a_working_day_with_exactly_that_many_in_between(start: date, days: int) -> None:
    end = add_working_days(start, days)

    assert end > start
    assert is_working_day(end)
    assert working_days_between(start, end) == days


@given(years)
def test_holidays_never_include_good_friday_and_stay_in_their_year(year: int) -> None:
    holidays = public_holidays(year)

    assert easter(year) - timedelta(days=2) not in holidays
    assert all(day.year == year for day in holidays)
    assert len(holidays) in (7, 8)  # Ascension Day can fall on 5 May (e.g. 2016)


@given(years)
def test_easter_based_holidays_fall_on_monday_thursday_monday(year: int) -> None:
    sunday = easter(year)

    assert {sunday + timedelta(days=n) for n in (1, 39, 50)} <= public_holidays(year)
    assert [(sunday + timedelta(days=n)).weekday() for n in (1, 39, 50)] == [0, 3, 0]


@given(instants, st.integers(min_value=1, max_value=30))
def test_deadline_is_amsterdam_midnight_after_exactly_that_many_working_days(at: datetime, days: int) -> None:
    deadline = working_day_deadline(at, days)
    local_end = deadline.astimezone(AMSTERDAM)
    last_day = local_end.date() - timedelta(days=1)

    assert deadline.tzinfo is UTC
    assert deadline > at
    assert (local_end.hour, local_end.minute, local_end.second, local_end.microsecond) == (0, 0, 0, 0)
    assert is_working_day(last_day)
    assert working_days_between(at.astimezone(AMSTERDAM).date(), last_day) == days
