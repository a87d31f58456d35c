"""Event contracts vs their published snapshots: a change that would break a consumer fails here."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from services.shared.contracts import all_contracts
from services.shared.contracts.catalogue import (
    CATALOGUE,
    breaking_changes,
    render_catalogue,
    schema_of,
    snapshot_path,
)
from services.shared.events import EventData

CONTRACTS = all_contracts()


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: f"{c.event_type}.v{c.version}")
def test_contract_is_compatible_with_its_snapshot(contract: type[EventData]) -> None:
    path = snapshot_path(contract)
    assert path.exists(), f"no snapshot for {contract.event_type} v{contract.version}: run the catalogue generator"
    old = json.loads(path.read_text())["data"]
    assert breaking_changes(old, schema_of(contract)["data"]) == []


def test_event_types_are_unique() -> None:
    keys = [(c.producer, c.event_type) for c in CONTRACTS]
    assert len(keys) == len(set(keys))


def test_catalogue_is_up_to_date() -> None:
    assert CATALOGUE.read_text() == render_catalogue(CONTRACTS), "run python -m services.shared.contracts.catalogue"


class MatchSeen(EventData):
    producer: ClassVar[str] = "signals"
    match_id: str
    party_count: int


class MatchSeenWithoutCount(EventData):
    producer: ClassVar[str] = "signals"
    match_id: str


class MatchSeenWithTextCount(EventData):
    producer: ClassVar[str] = "signals"
    match_id: str
    party_count: str


class MatchSeenWithOptionalExtra(EventData):
    producer: ClassVar[str] = "signals"
    match_id: str
    party_count: int
    municipality: str | None = None


class MatchSeenWithRequiredExtra(EventData):
    producer: ClassVar[str] = "signals"
    match_id: str
    party_count: int
    municipality: str


def data(model: type[EventData]) -> dict[str, object]:
    return schema_of(model)["data"]


def test_removing_a_field_breaks_consumers() -> None:
    assert breaking_changes(data(MatchSeen), data(MatchSeenWithoutCount)) == ["field 'party_count' was removed"]


def test_retyping_a_field_breaks_consumers() -> None:
    [problem] = breaking_changes(data(MatchSeen), data(MatchSeenWithTextCount))
    assert "party_count" in problem and "changed type" in problem


def test_adding_an_optional_field_is_compatible() -> None:
    assert breaking_changes(data(MatchSeen), data(MatchSeenWithOptionalExtra)) == []


def test_adding_a_required_field_breaks_consumers() -> None:
    assert breaking_changes(data(MatchSeen), data(MatchSeenWithRequiredExtra)) == [
        "field 'municipality' became required"
    ]
