"""Registering, reading and withdrawing signals, and the matches they make (routes in-process against moto)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from services.shared.audit import AuditEntry
from services.shared.clock import FixedClock
from tests.services.conftest import Region
from tests.services.signals.conftest import Api, bsn, outbox, table_items

YOUTH = bsn(1)
OTHER_YOUTH = bsn(2)
PARENT = bsn(3)


def test_first_signal_on_a_youth_is_registered_without_a_match(api: Api) -> None:
    reply = api.register("anna", YOUTH)

    assert reply.status == 201, reply.body
    assert reply.body["status"] == "active"
    assert reply.body["match_id"] is None
    assert reply.body["id"].startswith("sig-")
    assert reply.body["removal_due"].startswith("2028-03-02")  # two years (Jeugdwet 7.1.4.5)
    [registered] = outbox(api.region, "SignalRegistered")
    assert registered["data"]["signal_id"] == reply.body["id"]
    assert registered["data"]["municipality"] == "GM0014"


def test_no_raw_bsn_name_or_free_text_is_stored(api: Api) -> None:
    api.register("anna", YOUTH, parent_bsns=[PARENT], address={"postcode": "9712 CP", "house_number": 12})
    api.register("bram", bsn(4), parent_bsns=[PARENT])

    stored = json.dumps(table_items(api.region)) + json.dumps(
        api.region.client("dynamodb").scan(TableName="test-audit")["Items"]
    )
    for number in (YOUTH, PARENT, bsn(4)):
        assert number not in stored
    assert "9712" not in stored


def test_second_signal_from_other_org_makes_a_match_that_both_professionals_see(api: Api) -> None:
    first = api.register("anna", YOUTH).body
    second = api.register("bram", YOUTH).body

    assert second["match_id"] is not None
    [found] = outbox(api.region, "MatchFound")
    assert found["data"]["kind"] == "youth"
    assert sorted(found["data"]["recipients"]) == ["user-anna", "user-bram"]
    assert sorted(found["data"]["signal_ids"]) == sorted([first["id"], second["id"]])
    assert found["data"]["notify_matchregie"] is True

    anna = api.call("anna", "GET", "/signals/matches").body["items"]
    bram = api.call("bram", "GET", "/signals/matches").body["items"]
    assert [m["id"] for m in anna] == [m["id"] for m in bram] == [second["match_id"]]
    [other_of_anna] = anna[0]["others"]
    assert other_of_anna["contact"] == {
        "name": "Bram Bakker",
        "organization": "demo-school-groningen",
        "organization_name": "DEMO Basisschool De Wadden",
        "email": "bram@demo.jeugdketen.nl",
        "phone": "+31600000002",
    }
    [other_of_bram] = bram[0]["others"]
    assert other_of_bram["contact"]["name"] == "Anna de Vries"
    assert other_of_bram["organisation_coordinator"]["name"] == "DEMO Coördinator JGZ"
    assert anna[0]["follow_up"] == "open"
    assert anna[0]["contact_made"] is False


def test_third_signal_joins_the_existing_match(api: Api) -> None:
    api.register("anna", YOUTH)
    match_id = api.register("bram", YOUTH).body["match_id"]

    third = api.register("carla", YOUTH).body

    assert third["match_id"] == match_id
    assert len(outbox(api.region, "MatchFound")) == 1
    [added] = outbox(api.region, "MatchPartyAdded")
    assert added["data"]["signal_id"] == third["id"]
    assert sorted(added["data"]["recipients"]) == ["user-anna", "user-bram", "user-carla"]
    [carla_view] = api.call("carla", "GET", "/signals/matches").body["items"]
    assert sorted(o["contact"]["name"] for o in carla_view["others"]) == ["Anna de Vries", "Bram Bakker"]


def test_second_active_signal_by_the_same_professional_is_refused_with_a_pointer(api: Api) -> None:
    first = api.register("anna", YOUTH).body

    again = api.register("anna", YOUTH)

    assert again.status == 409
    assert again.body["code"] == "signal_exists"
    assert again.body["details"]["signal_id"] == first["id"]
    assert len(outbox(api.region, "SignalRegistered")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bsn": "123456789", "birth_date": "2015-06-01", "municipality": "GM0014"}, "bsn"),
        ({"bsn": YOUTH, "birth_date": "2003-03-01", "municipality": "GM0014"}, "birth_date"),
        ({"bsn": YOUTH, "birth_date": "2015-06-01", "municipality": "GM0014", "reason": "hits"}, "reason"),
        ({"bsn": YOUTH, "birth_date": "2015-06-01", "municipality": "GM0014", "note": "x"}, "note"),
        ({"bsn": YOUTH, "birth_date": "2015-06-01", "municipality": "0014"}, "municipality"),
        ({"bsn": YOUTH, "birth_date": "2015-06-01", "municipality": "GM0518"}, "municipality"),
    ],
)
def test_bad_signal_is_refused_naming_the_field_and_nothing_is_stored(api: Api, body: Any, field: str) -> None:
    reply = api.call("anna", "POST", "/signals", body)

    assert reply.status == 422, reply.body
    assert field in json.dumps(reply.body["details"])
    assert table_items(api.region) == []


def test_youth_of_exactly_23_is_refused_and_of_22_accepted(api: Api) -> None:
    turned_23_today = api.call(
        "anna", "POST", "/signals", {"bsn": YOUTH, "birth_date": "2003-03-02", "municipality": "GM0014"}
    )
    still_22 = api.call(
        "anna", "POST", "/signals", {"bsn": YOUTH, "birth_date": "2003-03-03", "municipality": "GM0014"}
    )

    assert turned_23_today.status == 422
    assert still_22.status == 201
    assert still_22.body["removal_due"].startswith("2026-03-0")  # capped at the 23rd birthday, not two years


def test_organisation_without_agreement_for_the_municipality_is_refused_saying_why(api: Api) -> None:
    reply = api.call("bram", "POST", "/signals", {"bsn": YOUTH, "birth_date": "2015-06-01", "municipality": "GM0037"})

    assert reply.status == 403
    assert reply.body["code"] == "no_signalling_agreement"
    assert "GM0037" in reply.body["message"]


@pytest.mark.parametrize(("who", "status"), [("eva", 403), ("dirk", 403), (None, 401)])
def test_only_professionals_may_signal(api: Api, who: str | None, status: int) -> None:
    reply = api.call(who, "POST", "/signals", {"bsn": YOUTH, "birth_date": "2015-06-01", "municipality": "GM0014"})

    assert reply.status == status
    assert table_items(api.region) == []


def test_own_signal_shows_bsn_masked_and_another_professionals_signal_is_not_found(api: Api) -> None:
    signal_id = api.register("anna", YOUTH).body["id"]

    own = api.call("anna", "GET", f"/signals/{signal_id}")
    other = api.call("bram", "GET", f"/signals/{signal_id}")
    garbage = api.call("anna", "GET", "/signals/sig-" + "x" * 3000)

    assert own.status == 200
    assert own.body["bsn"] == "******" + YOUTH[-3:]
    assert other.status == 404
    assert garbage.status == 404


def test_read_of_a_signal_is_audited_against_the_youth(api: Api) -> None:
    signal_id = api.register("anna", YOUTH).body["id"]
    api.call("anna", "GET", f"/signals/{signal_id}")

    entries = [e for e in AuditEntry.scan() if e.event in ("signal.register", "signal.read")]
    assert {e.event for e in entries} == {"signal.register", "signal.read"}
    assert len({e.client for e in entries}) == 1
    assert all(e.user_id == "user-anna" for e in entries)


def test_youth_without_bsn_is_matched_on_name_birth_date_and_sex(api: Api) -> None:
    body = {
        "no_bsn": {"family_name": "de Jong", "birth_date": "2016-01-05", "sex": "F"},
        "birth_date": "2016-01-05",
        "municipality": "GM0014",
    }
    first = api.call("anna", "POST", "/signals", body)
    second = api.call("bram", "POST", "/signals", {**body, "no_bsn": {**body["no_bsn"], "family_name": "De  Jong"}})

    assert first.status == second.status == 201
    assert second.body["match_id"] is not None
    shown = api.call("anna", "GET", f"/signals/{first.body['id']}").body
    assert shown["bsn"] is None
    assert shown["no_bsn"]["family_name"] == "de Jong"


def test_own_signals_are_listed_newest_first_in_pages(api: Api, fixed_clock: FixedClock) -> None:
    ids = []
    for n in range(5):
        ids.append(api.register("anna", bsn(10 + n)).body["id"])
        fixed_clock.advance(timedelta(minutes=1))

    first = api.call("anna", "GET", "/signals", query={"limit": "2"}).body
    second = api.call("anna", "GET", "/signals", query={"limit": "2", "cursor": first["next"]}).body
    bram = api.call("bram", "GET", "/signals").body

    assert [s["id"] for s in first["items"] + second["items"]] == list(reversed(ids))[:4]
    assert bram["items"] == []
    assert api.call("anna", "GET", "/signals", query={"cursor": "not-a-cursor"}).status == 422
    assert api.call("anna", "GET", "/signals", query={"limit": "500"}).status == 422


def test_family_match_links_signals_on_siblings_and_address_match_on_housemates(api: Api) -> None:
    home = {"postcode": "9712CP", "house_number": 12}
    api.register("anna", YOUTH, parent_bsns=[PARENT], address=home)
    second = api.register("bram", OTHER_YOUTH, parent_bsns=[PARENT], address={**home, "postcode": "9712 cp"}).body

    kinds = sorted(e["data"]["kind"] for e in outbox(api.region, "MatchFound"))
    assert kinds == ["address", "family"]
    assert second["match_id"] is None  # no youth match: different youths
    assert len(second["match_ids"]) == 2


def test_no_address_match_at_an_excluded_address(api: Api) -> None:
    shelter = {"postcode": "9713GZ", "house_number": 1}
    api.register("anna", YOUTH, address=shelter)
    api.register("bram", OTHER_YOUTH, address=shelter)

    assert outbox(api.region, "MatchFound") == []


def test_withdrawn_for_resolved_risk_is_archived_and_gives_one_historical_notice(api: Api) -> None:
    old = api.register("anna", YOUTH).body["id"]
    withdrawn = api.call("anna", "POST", f"/signals/{old}/withdraw", {"reason": "risk_resolved"})
    assert withdrawn.status == 200
    assert withdrawn.body["status"] == "archived"
    assert withdrawn.body["archive_until"].startswith("2031-03-02")

    new = api.register("bram", YOUTH).body
    later = api.register("carla", YOUTH).body

    assert new["historical_match_id"] is not None
    assert later["historical_match_id"] is None  # once (Jeugdwet 7.1.4.6)
    [notice] = outbox(api.region, "HistoricalMatchFound")
    assert notice["data"]["recipients"] == ["user-bram"]
    bram_matches = api.call("bram", "GET", "/signals/matches").body["items"]
    historical = next(m for m in bram_matches if m["kind"] == "historical")
    assert [o["contact"]["name"] for o in historical["others"]] == ["Anna de Vries"]
    assert historical["follow_up"] == "not_applicable"
    assert api.call("anna", "GET", f"/signals/{old}").status == 404
    assert api.call("anna", "GET", "/signals/matches").body["items"] == []


@pytest.mark.parametrize("reason", ["unjustified", "objection", "deceased"])
def test_withdrawn_as_unjustified_objected_or_deceased_is_destroyed_at_once(api: Api, reason: str) -> None:
    anna = api.register("anna", YOUTH).body["id"]
    api.register("bram", YOUTH)

    withdrawn = api.call("anna", "POST", f"/signals/{anna}/withdraw", {"reason": reason})

    assert withdrawn.body == {"id": anna, "status": "purged", "archive_until": None}
    left = {i["entity"]["S"] for i in table_items(api.region) if anna in json.dumps(i)}
    assert left <= {"outbox"}  # only the events announcing it (ids only, expiring); no signal, entry or party
    assert api.register("carla", YOUTH).body["historical_match_id"] is None
    [bram_view] = api.call("bram", "GET", "/signals/matches").body["items"]
    assert [o["contact"]["name"] for o in bram_view["others"]] == ["Carla Jansen"]
    assert [e["data"]["signal_id"] for e in outbox(api.region, "SignalPurged")] == [anna]


def test_withdrawal_needs_a_known_reason_and_only_the_signaller_may(api: Api) -> None:
    signal_id = api.register("anna", YOUTH).body["id"]

    assert api.call("anna", "POST", f"/signals/{signal_id}/withdraw", {"reason": "bored"}).status == 422
    assert (
        api.call("anna", "POST", f"/signals/{signal_id}/withdraw", {"reason": "unjustified", "note": "x"}).status == 422
    )
    assert api.call("bram", "POST", f"/signals/{signal_id}/withdraw", {"reason": "unjustified"}).status == 404
    assert api.call("anna", "GET", f"/signals/{signal_id}").status == 200


def test_matching_is_race_free_when_a_competing_signal_lands_between_read_and_write(
    api: Api, monkeypatch: pytest.MonkeyPatch, region: Region
) -> None:
    from services.signals.dal import repository

    real_read = repository.read_keys
    injected: list[int] = []

    def read_then_compete(keys: Any) -> Any:
        states = real_read(keys)
        if not injected:
            injected.append(1)
            competing = api.register("bram", YOUTH)  # commits between Anna's read and Anna's transaction
            assert competing.status == 201
        return states

    monkeypatch.setattr(repository, "read_keys", read_then_compete)

    anna = api.register("anna", YOUTH)

    assert anna.status == 201
    found = outbox(region, "MatchFound")
    assert len(found) == 1
    assert sorted(found[0]["data"]["recipients"]) == ["user-anna", "user-bram"]
    assert anna.body["match_id"] == found[0]["data"]["match_id"]


def test_siblings_with_both_parents_registered_make_one_family_match(api: Api) -> None:
    mother, father = PARENT, bsn(5)
    api.register("anna", YOUTH, parent_bsns=[mother, father])
    api.register("bram", OTHER_YOUTH, parent_bsns=[father, mother])
    third = api.register("carla", bsn(6), parent_bsns=[father]).body

    [found] = outbox(api.region, "MatchFound")
    assert found["data"]["kind"] == "family"
    [added] = outbox(api.region, "MatchPartyAdded")
    assert added["data"]["match_id"] == found["data"]["match_id"] == third["match_ids"][0]
