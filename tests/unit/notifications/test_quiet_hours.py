"""Quiet hours on the recipient's wall clock, across midnight and across the switches of daylight saving time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifications.logic.preferences import QuietHours

NIGHT = QuietHours(time(22, 0), time(7, 0))
LUNCH = QuietHours(time(12, 0), time(13, 30))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "quiet"),
    [
        (utc(2026, 1, 10, 20, 59), False),  # 21:59 CET
        (utc(2026, 1, 10, 21, 0), True),  # 22:00 CET: start counts
        (utc(2026, 1, 11, 2, 0), True),  # 03:00 CET
        (utc(2026, 1, 11, 5, 59), True),  # 06:59 CET
        (utc(2026, 1, 11, 6, 0), False),  # 07:00 CET: the end does not
        (utc(2026, 7, 10, 20, 0), True),  # 22:00 CEST (summer: 20:00 UTC)
        (utc(2026, 7, 11, 4, 59), True),  # 06:59 CEST
        (utc(2026, 7, 11, 5, 0), False),  # 07:00 CEST
    ],
)
def test_night_quiet_hours_cross_midnight_on_the_local_clock(at: datetime, quiet: bool) -> None:
    assert NIGHT.contains(at) is quiet


def test_quiet_hours_within_one_day() -> None:
    assert LUNCH.contains(utc(2026, 1, 10, 11, 0))  # 12:00 CET
    assert not LUNCH.contains(utc(2026, 1, 10, 12, 30))  # 13:30 CET
    assert not LUNCH.contains(utc(2026, 1, 10, 10, 59))


def test_the_end_in_winter_is_07_00_cet_the_next_morning() -> None:
    assert NIGHT.end_after(utc(2026, 1, 10, 22, 0)) == utc(2026, 1, 11, 6, 0)
    assert NIGHT.end_after(utc(2026, 1, 11, 1, 0)) == utc(2026, 1, 11, 6, 0)  # after midnight: the same morning


def test_the_end_on_the_night_summer_time_starts_is_07_00_cest() -> None:
    # 29 March 2026: 02:00 CET becomes 03:00 CEST; the night is an hour shorter.
    at = utc(2026, 3, 28, 22, 0)  # 23:00 CET
    assert NIGHT.contains(at)
    assert NIGHT.end_after(at) == utc(2026, 3, 29, 5, 0)  # 07:00 CEST
    assert not NIGHT.contains(utc(2026, 3, 29, 5, 0))
    assert NIGHT.contains(utc(2026, 3, 29, 4, 59))


def test_the_end_on_the_night_winter_time_starts_is_07_00_cet() -> None:
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; the night is an hour longer.
    at = utc(2026, 10, 24, 21, 0)  # 23:00 CEST
    assert NIGHT.end_after(at) == utc(2026, 10, 25, 6, 0)  # 07:00 CET
    assert NIGHT.contains(utc(2026, 10, 25, 5, 30))  # 06:30 CET


def test_an_end_the_switch_to_summer_time_skips_lands_just_after_the_switch() -> None:
    early = QuietHours(time(22, 0), time(2, 30))  # 02:30 does not exist on 29 March 2026
    end = early.end_after(utc(2026, 3, 28, 22, 0))
    assert utc(2026, 3, 29, 1, 0) <= end <= utc(2026, 3, 29, 1, 30)  # at or shortly after 03:00 CEST


def test_quiet_hours_in_another_zone_follow_that_zone() -> None:
    curacao = QuietHours(time(22, 0), time(7, 0), "America/Curacao")  # UTC-4 all year
    assert curacao.contains(utc(2026, 1, 11, 2, 0))  # 22:00 there
    assert curacao.end_after(utc(2026, 1, 11, 2, 0)) == utc(2026, 1, 11, 11, 0)


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_the_end_is_within_two_days_and_not_quiet_for_a_moment_after_it(at: datetime, start: time, end: time) -> None:
    if start == end:
        return
    quiet = QuietHours(start, end)
    released = quiet.end_after(at)
    assert at < released <= at + timedelta(days=2)
    # Outside the one hour a year the switch to summer time skips, the end is the first moment it is not quiet.
    local_end = released.astimezone(quiet_zone()).time().replace(tzinfo=None)
    if local_end == end:
        assert not quiet.contains(released)


def quiet_zone():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Amsterdam")
