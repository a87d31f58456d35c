from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from pydantic import ValidationError

from services.shared import clock, correlation
from services.shared.events import Event, EventData, new_event, pattern_for


class ThingHappened(EventData):
    producer: ClassVar[str] = "signals"
    thing_id: str


class ThingRemoved(EventData):
    producer: ClassVar[str] = "signals"
    version: ClassVar[int] = 2
    thing_id: str


@pytest.fixture
def frozen() -> clock.FixedClock:
    fixed = clock.FixedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    previous = clock.set_clock(fixed)
    yield fixed
    clock.set_clock(previous)


def test_envelope_takes_type_version_time_region_and_correlation(frozen: clock.FixedClock) -> None:
    correlation.bind("corr-12345678")
    event = new_event(ThingRemoved(thing_id="t1"))
    assert event.metadata.event_type == "ThingRemoved"
    assert event.metadata.version == 2
    assert event.metadata.producer == "signals"
    assert event.metadata.region == "groningen"
    assert event.metadata.occurred_at == frozen.now()
    assert event.metadata.correlation_id == "corr-12345678"
    assert new_event(ThingRemoved(thing_id="t1")).metadata.event_id != event.metadata.event_id


def test_envelope_round_trips_through_json() -> None:
    event = new_event(ThingHappened(thing_id="t1"))
    parsed = Event[ThingHappened].model_validate_json(event.model_dump_json())
    assert parsed == event


def test_event_data_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ThingHappened(thing_id="t1", note="free text about a family")  # type: ignore[call-arg]


def test_patterns_match_source_and_detail_type() -> None:
    assert ThingHappened.pattern() == {"source": ["jeugdketen.signals"], "detail-type": ["ThingHappened"]}
    assert pattern_for(ThingHappened, ThingRemoved) == {
        "source": ["jeugdketen.signals"],
        "detail-type": ["ThingHappened", "ThingRemoved"],
    }


def test_unsafe_correlation_ids_are_replaced() -> None:
    assert correlation.bind("abc\n{injected}") != "abc\n{injected}"
    assert correlation.bind("req-1234-abcd") == "req-1234-abcd"


def test_travel_clock_only_moves_forward() -> None:
    travel = clock.TravelClock()
    before = travel.now()
    travel.advance(timedelta(days=3))
    assert travel.now() - before >= timedelta(days=3)
    with pytest.raises(ValueError):
        travel.advance(timedelta(seconds=-1))


def test_fixed_clock_needs_a_time_zone() -> None:
    with pytest.raises(ValueError):
        clock.FixedClock(datetime(2026, 1, 1))
