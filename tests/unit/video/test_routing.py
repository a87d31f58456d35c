"""Routing and assignment of 24/7 contacts: office hours across days, time zones and daylight saving time;
capacity; languages; overflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from services.shared.region import RegionConfig
from services.video.logic.routing import Nurse, pick, route, spare, within_office_hours

ROOT = Path(__file__).resolve().parents[3]
OWN, PARTNER = "demo-jgz-groningen", "demo-nacht-noord"


def _config() -> RegionConfig:
    data = yaml.safe_load((ROOT / "infra" / "regions" / "groningen.yaml").read_text())
    data.pop("aws", None)
    data.pop("signal_guide", None)
    return RegionConfig.model_validate(data)


CONFIG = _config().contact_247


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (utc(2026, 12, 1, 6, 59), False),  # Tuesday 07:59 CET
        (utc(2026, 12, 1, 7, 0), True),  # 08:00 CET: opens
        (utc(2026, 12, 1, 15, 59), True),  # 16:59 CET
        (utc(2026, 12, 1, 16, 0), False),  # 17:00 CET: closed
        (utc(2026, 7, 7, 6, 0), True),  # Tuesday 08:00 CEST (summer: 06:00 UTC)
        (utc(2026, 7, 7, 5, 59), False),
        (utc(2026, 12, 5, 10, 0), False),  # Saturday
        (utc(2026, 12, 25, 10, 0), False),  # Christmas Day, a Friday
        (utc(2026, 4, 27, 10, 0), False),  # King's Day, a Monday
        (utc(2026, 4, 3, 10, 0), True),  # Good Friday is no general holiday under the law
    ],
)
def test_office_hours_on_the_regions_clock_and_calendar(at: datetime, open_: bool) -> None:
    assert within_office_hours(at, CONFIG) is open_


def test_office_hours_follow_the_switch_to_summer_time() -> None:
    # Monday 30 March 2026, the day after the switch: 08:00 local is 06:00 UTC, not 07:00.
    assert within_office_hours(utc(2026, 3, 30, 6, 0), CONFIG)
    assert not within_office_hours(utc(2026, 3, 27, 6, 0), CONFIG)  # the Friday before: 07:00 CET


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError):
        within_office_hours(datetime(2026, 12, 1, 10, 0), CONFIG)


def test_routing_by_office_hours_and_overflow() -> None:
    day, night = utc(2026, 12, 1, 10, 0), utc(2026, 12, 2, 2, 0)
    assert route(day, "GM0014", CONFIG, [OWN, PARTNER]).organization == OWN
    assert route(day, "GM0014", CONFIG, [OWN]).reason == "office_hours"
    assert route(day, "GM0014", CONFIG, [PARTNER]) == route(day, "GM0014", CONFIG, [])  # nobody on duty: overflow
    assert route(day, "GM0014", CONFIG, []).organization == PARTNER
    assert route(day, "GM0014", CONFIG, []).reason == "overflow"
    assert route(night, "GM0014", CONFIG, [OWN, PARTNER]).organization == PARTNER
    assert route(night, "GM0014", CONFIG, [OWN]).reason == "out_of_hours"
    assert route(day, "GM9999", CONFIG, [OWN]).organization == PARTNER  # no own organisation known


NOW = utc(2026, 12, 2, 2, 0)


def nurse(user: str, **kw: object) -> Nurse:
    base: dict[str, object] = {
        "user_id": user, "organization": PARTNER, "available": True, "on_duty": True,
        "languages": frozenset({"nl"}), "capacity": 2, "active": 0, "idle_since": NOW,
    }  # fmt: skip
    base.update(kw)
    return Nurse(**base)  # type: ignore[arg-type]


def test_the_nurse_idle_longest_is_offered_the_contact() -> None:
    nurses = [nurse("a", idle_since=NOW - timedelta(minutes=5)), nurse("b", idle_since=NOW - timedelta(minutes=20))]
    assert pick(nurses, PARTNER, "nl", 3) == nurses[1]


def test_nobody_unavailable_off_duty_full_elsewhere_or_without_the_language() -> None:
    nurses = [
        nurse("away", available=False),
        nurse("off", on_duty=False),
        nurse("full", active=2),
        nurse("other", organization=OWN),
        nurse("english", languages=frozenset({"en"})),
    ]
    assert pick(nurses, PARTNER, "nl", 3) is None
    assert pick(nurses, PARTNER, "en", 3) == nurses[4]


def test_the_region_maximum_caps_a_nurses_own_capacity() -> None:
    assert spare(nurse("a", capacity=5, active=3), 3) == 0
    assert pick([nurse("a", capacity=5, active=3)], PARTNER, "nl", 3) is None


nurses_strategy = st.lists(
    st.builds(
        Nurse,
        user_id=st.text("abcdef", min_size=1, max_size=4),
        organization=st.sampled_from([OWN, PARTNER]),
        available=st.booleans(),
        on_duty=st.booleans(),
        languages=st.frozensets(st.sampled_from(["nl", "en", "ar"]), min_size=1),
        capacity=st.integers(0, 6),
        active=st.integers(0, 6),
        idle_since=st.datetimes(
            min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
        ),
    ),
    max_size=8,
)


@given(nurses_strategy, st.sampled_from(["nl", "en", "ar"]), st.integers(1, 10))
def test_an_offer_never_goes_over_capacity_or_to_the_wrong_nurse(
    nurses: list[Nurse], language: str, region_max: int
) -> None:
    chosen = pick(nurses, PARTNER, language, region_max)
    if chosen is None:
        assert not any(
            n.organization == PARTNER and n.available and n.on_duty and language in n.languages
            and n.active < min(n.capacity, region_max)
            for n in nurses
        )  # fmt: skip
        return
    assert chosen.organization == PARTNER and chosen.available and chosen.on_duty
    assert language in chosen.languages and chosen.active < min(chosen.capacity, region_max)
    fit = [n for n in nurses if n.organization == PARTNER and n.available and n.on_duty
           and language in n.languages and spare(n, region_max) > 0]  # fmt: skip
    assert chosen.idle_since == min(n.idle_since for n in fit)


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)))
def test_a_contact_always_goes_somewhere_and_at_night_to_the_partner(at: datetime) -> None:
    routed = route(at, "GM0014", CONFIG, [OWN, PARTNER])
    assert routed.organization in (OWN, PARTNER)
    assert (routed.organization == OWN) is within_office_hours(at, CONFIG)
