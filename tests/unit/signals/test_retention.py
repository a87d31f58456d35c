"""The law's dates for a signal: two years, the 23rd birthday, five years in the archive, the review prompts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.signals.logic.retention import (
    REVIEW_MONTHS,
    add_months,
    add_years,
    age_on,
    archive_until,
    birthday,
    is_too_old,
    removal_due,
    review_moments,
    start_of_local_day,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def turns_23(born: date) -> datetime:
    return start_of_local_day(birthday(born, 23))


# -- birthdays and age -------------------------------------------------------------------------------------


def test_someone_born_on_29_february_turns_23_on_1_march_in_a_common_year() -> None:
    assert birthday(date(2004, 2, 29), 23) == date(2027, 3, 1)
    assert birthday(date(2004, 2, 29), 24) == date(2028, 2, 29)
    assert age_on(date(2004, 2, 29), date(2027, 2, 28)) == 22
    assert age_on(date(2004, 2, 29), date(2027, 3, 1)) == 23


def test_age_goes_up_on_the_birthday_itself() -> None:
    assert age_on(date(2003, 6, 15), date(2026, 6, 14)) == 22
    assert age_on(date(2003, 6, 15), date(2026, 6, 15)) == 23


def test_a_youth_may_be_signalled_until_the_day_before_the_23rd_birthday() -> None:
    assert not is_too_old(date(2003, 3, 3), date(2026, 3, 2))
    assert is_too_old(date(2003, 3, 2), date(2026, 3, 2))
    assert not is_too_old(date(2004, 2, 29), date(2027, 2, 28))
    assert is_too_old(date(2004, 2, 29), date(2027, 3, 1))


# -- adding years and months -------------------------------------------------------------------------------


def test_a_year_after_29_february_is_1_march_like_the_birthday() -> None:
    assert add_years(datetime(2024, 2, 29, 12, tzinfo=UTC), 1) == datetime(2025, 3, 1, 12, tzinfo=UTC)
    assert add_years(datetime(2024, 2, 29, 12, tzinfo=UTC), 4) == datetime(2028, 2, 29, 12, tzinfo=UTC)


def test_months_clamp_to_the_end_of_a_shorter_month() -> None:
    assert add_months(datetime(2025, 8, 31, 11, tzinfo=AMSTERDAM), 6) == datetime(2026, 2, 28, 11, tzinfo=AMSTERDAM)
    assert add_months(datetime(2023, 8, 31, 11, tzinfo=AMSTERDAM), 6) == datetime(2024, 2, 29, 11, tzinfo=AMSTERDAM)
    assert add_months(datetime(2024, 2, 29, 11, tzinfo=AMSTERDAM), 12) == datetime(2025, 2, 28, 11, tzinfo=AMSTERDAM)


def test_years_are_counted_from_the_dutch_date_not_the_utc_date() -> None:
    # 23:30 UTC on 29 Feb 2024 is 00:30 on 1 March in Amsterdam: two years later is 1 March 2026 00:30 local
    assert add_years(datetime(2024, 2, 29, 23, 30, tzinfo=UTC), 2) == datetime(2026, 2, 28, 23, 30, tzinfo=UTC)


def test_years_keep_the_dutch_time_of_day_across_daylight_saving() -> None:
    # Sat 29 Mar 2025 13:00 CET; 29 Mar 2027 is already summer time, so 13:00 CEST is 11:00 UTC
    assert add_years(datetime(2025, 3, 29, 12, tzinfo=UTC), 2) == datetime(2027, 3, 29, 11, tzinfo=UTC)


def test_a_time_skipped_by_the_switch_to_summer_time_lands_just_after_it() -> None:
    # Fri 29 Mar 2024 02:30 CET; on Sun 29 Mar 2026 the clocks jump from 02:00 to 03:00 -> 03:30 CEST
    assert add_years(datetime(2024, 3, 29, 1, 30, tzinfo=UTC), 2) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_adding_to_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_years(datetime(2026, 1, 1), 2)
    with pytest.raises(ValueError, match="aware"):
        add_months(datetime(2026, 1, 1), 6)


def test_local_midnight_is_utc_23_00_in_winter_and_22_00_in_summer() -> None:
    assert start_of_local_day(date(2026, 1, 15)) == datetime(2026, 1, 14, 23, tzinfo=UTC)
    assert start_of_local_day(date(2026, 7, 1)) == datetime(2026, 6, 30, 22, tzinfo=UTC)


# -- removal -----------------------------------------------------------------------------------------------


def test_a_signal_is_removed_two_years_after_it_was_made() -> None:
    registered = datetime(2026, 3, 10, 9, tzinfo=UTC)

    assert removal_due(registered, date(2010, 1, 1)) == (datetime(2028, 3, 10, 9, tzinfo=UTC), "two_years")


def test_the_23rd_birthday_removes_a_signal_before_its_two_years_are_up() -> None:
    registered = datetime(2026, 3, 10, 9, tzinfo=UTC)

    # turns 23 on 1 Sep 2027: local midnight (CEST) is 31 Aug 22:00 UTC
    assert removal_due(registered, date(2004, 9, 1)) == (datetime(2027, 8, 31, 22, tzinfo=UTC), "age_23")


def test_a_youth_born_on_29_february_loses_the_signal_on_1_march() -> None:
    registered = datetime(2026, 1, 10, 9, tzinfo=UTC)

    assert removal_due(registered, date(2004, 2, 29)) == (datetime(2027, 2, 28, 23, tzinfo=UTC), "age_23")


def test_when_two_years_end_exactly_at_the_23rd_birthday_the_age_is_the_cause() -> None:
    registered = start_of_local_day(date(2026, 5, 20))  # the 21st birthday

    assert removal_due(registered, date(2005, 5, 20)) == (datetime(2028, 5, 19, 22, tzinfo=UTC), "age_23")


# -- archive -----------------------------------------------------------------------------------------------


def test_a_removed_signal_is_archived_for_five_years() -> None:
    removed = datetime(2026, 3, 10, 9, tzinfo=UTC)

    assert archive_until(removed, date(2010, 1, 1)) == datetime(2031, 3, 10, 9, tzinfo=UTC)


def test_the_archive_ends_at_the_23rd_birthday_if_that_comes_first() -> None:
    removed = datetime(2026, 3, 10, 9, tzinfo=UTC)

    assert archive_until(removed, date(2005, 6, 15)) == datetime(2028, 6, 14, 22, tzinfo=UTC)


def test_nothing_is_archived_for_a_youth_who_is_already_23() -> None:
    born = date(2003, 3, 1)

    assert archive_until(datetime(2026, 3, 10, 9, tzinfo=UTC), born) is None
    assert archive_until(turns_23(born), born) is None
    just_before = turns_23(born) - timedelta(microseconds=1)
    assert archive_until(just_before, born) == turns_23(born)


# -- review prompts ----------------------------------------------------------------------------------------


def test_reviews_come_at_6_12_and_18_months_on_the_dutch_wall_clock() -> None:
    registered = datetime(2026, 1, 15, 10, tzinfo=UTC)  # 11:00 CET
    due, _ = removal_due(registered, date(2012, 1, 1))

    assert review_moments(registered, due) == [
        (6, datetime(2026, 7, 15, 9, tzinfo=UTC)),  # 11:00 CEST
        (12, datetime(2027, 1, 15, 10, tzinfo=UTC)),
        (18, datetime(2027, 7, 15, 9, tzinfo=UTC)),
    ]


def test_a_signal_made_on_31_august_is_reviewed_at_the_end_of_february() -> None:
    registered = datetime(2026, 8, 31, 9, tzinfo=UTC)  # 11:00 CEST
    due, _ = removal_due(registered, date(2012, 1, 1))

    assert [at for _, at in review_moments(registered, due)] == [
        datetime(2027, 2, 28, 10, tzinfo=UTC),  # 11:00 CET
        datetime(2027, 8, 31, 9, tzinfo=UTC),
        datetime(2028, 2, 29, 10, tzinfo=UTC),
    ]


def test_no_review_is_asked_for_once_the_23rd_birthday_has_removed_the_signal() -> None:
    registered = datetime(2026, 1, 15, 10, tzinfo=UTC)
    due, cause = removal_due(registered, date(2004, 1, 1))  # turns 23 on 1 Jan 2027

    assert cause == "age_23"
    assert [months for months, _ in review_moments(registered, due)] == [6]


def test_a_review_at_the_removal_moment_itself_is_not_asked_for() -> None:
    registered = datetime(2026, 1, 15, 10, tzinfo=UTC)

    assert [months for months, _ in review_moments(registered, datetime(2027, 1, 15, 10, tzinfo=UTC))] == [6]


# -- properties --------------------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))
births = st.dates(min_value=date(1967, 1, 1), max_value=date(2090, 1, 1))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1))


@given(instants, births)
def test_removal_is_never_later_than_two_years_or_the_23rd_birthday(registered: datetime, born: date) -> None:
    due, cause = removal_due(registered, born)

    assert due <= add_years(registered, 2)
    assert due <= turns_23(born)
    assert due == (turns_23(born) if cause == "age_23" else add_years(registered, 2))
    assert due.tzinfo is UTC


@given(instants, births)
def test_a_signal_on_a_youth_under_23_is_removed_after_it_was_made(registered: datetime, born: date) -> None:
    if not is_too_old(born, registered.astimezone(AMSTERDAM).date()):
        assert removal_due(registered, born)[0] > registered


@given(instants, births)
def test_the_archive_never_outlasts_the_23rd_birthday_or_five_years(removed: datetime, born: date) -> None:
    until = archive_until(removed, born)

    if until is None:
        assert removed >= turns_23(born)
    else:
        assert removed < until <= turns_23(born)
        assert until <= add_years(removed, 5)


@given(births, days, days)
def test_age_never_goes_down_as_time_goes_on(born: date, day: date, other: date) -> None:
    earlier, later = sorted((day, other))

    assert age_on(born, earlier) <= age_on(born, later)


@given(births, st.integers(min_value=1, max_value=100))
def test_age_goes_up_exactly_on_the_birthday(born: date, age: int) -> None:
    assert age_on(born, birthday(born, age)) == age
    assert age_on(born, birthday(born, age) - timedelta(days=1)) == age - 1


@given(births, st.integers(min_value=0, max_value=30))
def test_adding_years_to_a_birth_agrees_with_the_birthday(born: date, years: int) -> None:
    assert add_years(start_of_local_day(born), years) == start_of_local_day(birthday(born, years))


@given(days, st.integers(min_value=-240, max_value=240))
def test_adding_months_moves_the_month_and_keeps_the_day_where_it_exists(day: date, months: int) -> None:
    shifted = add_months(start_of_local_day(day), months).astimezone(AMSTERDAM).date()

    assert shifted.year * 12 + shifted.month == day.year * 12 + day.month + months
    assert shifted.day == day.day or (shifted.day < day.day and (shifted + timedelta(days=1)).day == 1)


@given(instants, births)
def test_reviews_fall_between_registration_and_removal_in_order(registered: datetime, born: date) -> None:
    due, _ = removal_due(registered, born)
    moments = review_moments(registered, due)

    assert [months for months, _ in moments] == list(REVIEW_MONTHS[: len(moments)])
    assert all(registered < at < due for _, at in moments)
    assert [at for _, at in moments] == sorted(at for _, at in moments)
