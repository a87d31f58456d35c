"""The law's dates: working days (Algemene termijnenwet), two years, five years, the 23rd birthday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.signals.logic import retention
from services.signals.logic.calendar import add_working_days, is_working_day, public_holidays, working_day_deadline


def test_dutch_general_holidays_of_2026() -> None:
    assert sorted(public_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 6),  # Easter Monday (Easter 5 April)
        date(2026, 4, 27),  # King's Day
        date(2026, 5, 5),  # Liberation Day: every year for the Algemene termijnenwet
        date(2026, 5, 14),  # Ascension Day
        date(2026, 5, 25),  # Whit Monday
        date(2026, 12, 25),
        date(2026, 12, 26),
    ]


def test_kings_day_moves_to_saturday_when_27_april_is_a_sunday() -> None:
    assert date(2025, 4, 26) in public_holidays(2025)
    assert date(2025, 4, 27) not in public_holidays(2025)


def test_good_friday_is_a_working_day() -> None:
    assert is_working_day(date(2026, 4, 3))


def test_working_days_skip_christmas_and_new_year() -> None:
    # Wed 23 Dec 2026 + 5 working days: 24 (Thu), [25, 26, 27 off], 28, 29, 30, 31, [1 Jan off] -> Thu 31 Dec
    assert add_working_days(date(2026, 12, 23), 5) == date(2026, 12, 31)
    assert add_working_days(date(2026, 12, 23), 6) == date(2027, 1, 4)


def test_working_days_skip_easter_kings_day_and_liberation_day() -> None:
    # Thu 2 Apr 2026 + 10: 3, 7, 8, 9, 10, 13, 14, 15, 16, 17 -> Fri 17 April (Easter Monday 6 April skipped)
    assert add_working_days(date(2026, 4, 2), 10) == date(2026, 4, 17)
    # Fri 24 Apr + 3: 28, 29, 30 (Mon 27 King's Day skipped)
    assert add_working_days(date(2026, 4, 24), 3) == date(2026, 4, 30)
    assert add_working_days(date(2026, 5, 4), 1) == date(2026, 5, 6)


def test_deadline_is_local_midnight_after_the_last_working_day_across_daylight_saving() -> None:
    # Fri 27 March 2026 10:00 UTC + 1 working day -> end of Mon 30 March local (summer time: UTC+2)
    assert working_day_deadline(datetime(2026, 3, 27, 10, tzinfo=UTC), 1) == datetime(2026, 3, 30, 22, tzinfo=UTC)
    # Fri 23 Oct + 1 -> end of Mon 26 Oct, winter time (UTC+1)
    assert working_day_deadline(datetime(2026, 10, 23, 10, tzinfo=UTC), 1) == datetime(2026, 10, 26, 23, tzinfo=UTC)
    # 23:30 UTC on Sunday 1 March is already Monday 2 March in Amsterdam
    assert working_day_deadline(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), 1) == datetime(2026, 3, 3, 23, tzinfo=UTC)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(min_value=1, max_value=40))
def test_adding_working_days_lands_on_a_working_day_with_exactly_that_many_in_between(start: date, days: int) -> None:
    end = add_working_days(start, days)

    assert end > start
    assert is_working_day(end)
    between = [start + timedelta(days=n) for n in range(1, (end - start).days + 1)]
    assert sum(is_working_day(d) for d in between) == days


def test_23rd_birthday_and_29_february() -> None:
    assert retention.birthday(date(2004, 2, 29), 23) == date(2027, 3, 1)
    assert retention.birthday(date(2004, 2, 29), 24) == date(2028, 2, 29)
    assert retention.age_on(date(2004, 2, 29), date(2027, 2, 28)) == 22
    assert retention.age_on(date(2004, 2, 29), date(2027, 3, 1)) == 23
    assert retention.is_too_old(date(2003, 3, 2), date(2026, 3, 2))
    assert not retention.is_too_old(date(2003, 3, 3), date(2026, 3, 2))


def test_removal_is_two_years_unless_the_23rd_birthday_comes_first() -> None:
    registered = datetime(2026, 3, 2, 9, tzinfo=UTC)

    assert retention.removal_due(registered, date(2015, 6, 1)) == (datetime(2028, 3, 2, 9, tzinfo=UTC), "two_years")
    assert retention.removal_due(registered, date(2004, 1, 10)) == (
        datetime(2027, 1, 9, 23, tzinfo=UTC),  # local midnight of 10 January 2027
        "age_23",
    )


def test_archive_is_five_years_never_past_23_and_nothing_when_23_already() -> None:
    removed = datetime(2026, 3, 2, 9, tzinfo=UTC)

    assert retention.archive_until(removed, date(2015, 6, 1)) == datetime(2031, 3, 2, 9, tzinfo=UTC)
    assert retention.archive_until(removed, date(2006, 1, 10)) == datetime(2029, 1, 9, 23, tzinfo=UTC)
    assert retention.archive_until(removed, date(2003, 3, 1)) is None


def test_review_moments_stop_before_removal() -> None:
    registered = datetime(2026, 8, 31, 9, tzinfo=UTC)

    moments = retention.review_moments(registered, datetime(2028, 8, 31, 9, tzinfo=UTC))
    assert moments == [
        (6, datetime(2027, 2, 28, 9, tzinfo=UTC)),
        (12, datetime(2027, 8, 31, 9, tzinfo=UTC)),
        (18, datetime(2028, 2, 29, 9, tzinfo=UTC)),
    ]
    assert retention.review_moments(registered, datetime(2027, 6, 1, tzinfo=UTC)) == moments[:1]


instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC))
births = st.dates(min_value=date(1995, 1, 1), max_value=date(2059, 12, 31))


@given(instants, births)
def test_removal_never_later_than_two_years_or_the_23rd_birthday(registered: datetime, born: date) -> None:
    due, cause = retention.removal_due(registered, born)

    assert due <= retention.add_years(registered, 2)
    assert due <= retention.start_of_local_day(retention.birthday(born, 23))
    assert cause == ("age_23" if due < retention.add_years(registered, 2) else "two_years")


@given(instants, births)
def test_archive_never_past_the_23rd_birthday(removed: datetime, born: date) -> None:
    until = retention.archive_until(removed, born)

    if until is not None:
        assert removed < until <= retention.start_of_local_day(retention.birthday(born, 23))
        assert until <= retention.add_years(removed, 5)


@given(births, st.dates(min_value=date(1995, 1, 1), max_value=date(2090, 1, 1)))
def test_age_grows_by_at_most_one_per_day(born: date, day: date) -> None:
    assert retention.age_on(born, day + timedelta(days=1)) - retention.age_on(born, day) in (0, 1)
