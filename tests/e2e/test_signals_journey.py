"""The signals journey over HTTP, as the frontends make it: professionals signal one youth and find each other,
one of them coordinates, and the municipality follows the match up; a match nobody follows up turns overdue.

This host is its own: the journey travels in time. It is seeded like every local host (anna.jgz and bram.school
already share a match on another youth), so the journey asserts on the matches it makes, never on counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from tests.e2e.conftest import NOTIFIED_WITHIN, RunningHost, start_host, wait_for

pytestmark = pytest.mark.e2e

# Test BSNs (RvIG test range, passing the 11-proef) that the demo seed does not use.
YOUTH_FOLLOWED_UP = "999990044"
YOUTH_LEFT_ALONE = "999990056"
YOUTH_OF_A_PARENT = "999990068"
BIRTH_DATE = "2015-06-01"
MUNICIPALITY = "GM0014"
PROFESSIONALS = ("anna.jgz", "bram.school", "carla.wijkteam")


@pytest.fixture(scope="module")
def signals_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    running = start_host(tmp_path_factory.mktemp("signals-host"), extra_manifests=())
    yield running
    running.stop()


class BusTap:
    """A rule of our own on the region bus, copying every signals event to a queue the test reads."""

    def __init__(self, host: RunningHost) -> None:
        self._sqs = host.aws("sqs")
        self._url = self._sqs.create_queue(QueueName="e2e-signals-tap")["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = host.aws("events")
        bus = host.info["event_bus"]
        events.put_rule(
            Name="e2e-signals-tap", EventBusName=bus, EventPattern=json.dumps({"source": ["jeugdketen.signals"]})
        )
        events.put_targets(Rule="e2e-signals-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
        self.seen: list[dict[str, Any]] = []

    def _drain(self) -> None:
        while True:
            messages = self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return
            for message in messages:
                self.seen.append(json.loads(message["Body"]))
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])

    def types_about(self, key: str, value: str) -> set[str]:
        """The detail-types of the events seen so far whose ``data[key]`` is ``value``."""
        self._drain()
        return {e["detail-type"] for e in self.seen if e["detail"]["data"].get(key) == value}

    def wait_for(self, key: str, value: str, *expected: str) -> None:
        """Wait until each of ``expected`` was seen about ``value`` (delivery is at least once: maybe twice)."""
        wanted = set(expected)
        wait_for(f"{sorted(wanted)} about {value} on the bus", lambda: wanted <= self.types_about(key, value))


@pytest.fixture(scope="module")
def bus(signals_host: RunningHost) -> BusTap:
    return BusTap(signals_host)


@cache
def contact(username: str) -> dict[str, Any]:
    """The contact details another party sees, as the local host seeds the user."""
    from infra.config import load_region
    from infra.local.seed import demo_users

    [user] = [u for u in demo_users(load_region("groningen").region) if u.username == username]
    assert user.organisation is not None
    return {
        "name": user.name,
        "organization": user.organisation.id,
        "organization_name": user.organisation.name,
        "email": user.email,
        "phone": user.phone,
    }


def register(host: RunningHost, headers: dict[str, str], bsn: str) -> dict[str, Any]:
    body = {"bsn": bsn, "birth_date": BIRTH_DATE, "municipality": MUNICIPALITY}
    response = host.http.post(host.url("/signals"), json=body, headers=headers)
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


def every_item(host: RunningHost, path: str, headers: dict[str, str], **query: str) -> list[dict[str, Any]]:
    """Every item of a paged list, following ``next``."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {**query, "limit": "50", **({"cursor": cursor} if cursor else {})}
        response = host.http.get(host.url(path), params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next"]
        if not cursor:
            return items


def match_of(host: RunningHost, headers: dict[str, str], match_id: str) -> dict[str, Any]:
    [match] = [m for m in every_item(host, "/signals/matches", headers) if m["id"] == match_id]
    return match


def others(match: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted((o["contact"] for o in match["others"]), key=lambda c: c["name"])


def notices(host: RunningHost, headers: dict[str, str], link: str) -> list[dict[str, Any]]:
    """The caller's inbox items that link to ``link``."""
    return [item for item in every_item(host, "/notifications", headers) if item["link"] == link]


def emails_about(host: RunningHost, username: str, link: str) -> list[dict[str, Any]]:
    """The e-mails moto has sent to the user that link to ``link`` (read as the README says: moto's data)."""
    address = contact(username)["email"]
    data = host.http.get(host.info["moto_url"] + "/moto-api/data.json").json()
    sent = data.get("ses", {}).get("Message", [])
    return [m for m in sent if address in m["destinations"].get("ToAddresses", []) and link in m["body"]]


def follow_up_ids(host: RunningHost, headers: dict[str, str], status: str) -> set[str]:
    return {f["id"] for f in every_item(host, "/signals/follow-up", headers, status=status)}


def test_professionals_find_each_other_one_coordinates_and_the_municipality_sees_it_done(
    signals_host: RunningHost, bus: BusTap
) -> None:
    host = signals_host
    anna, bram, carla, dirk, eva = (
        host.auth(u) for u in ("anna.jgz", "bram.school", "carla.wijkteam", "dirk.gemeente", "eva.ouder")
    )
    body = {"bsn": YOUTH_OF_A_PARENT, "birth_date": BIRTH_DATE, "municipality": MUNICIPALITY}
    parent = host.http.post(host.url("/signals"), json=body, headers=eva)
    assert parent.status_code == 403 and parent.json()["code"] == "role_required", parent.text
    anonymous = host.http.post(host.url("/signals"), json=body)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"

    # Anna signals first and is alone; Bram signals the same youth and they form a youth match.
    first = register(host, anna, YOUTH_FOLLOWED_UP)
    assert first["status"] == "active" and first["match_id"] is None
    second = register(host, bram, YOUTH_FOLLOWED_UP)
    match_id = second["match_id"]
    assert match_id and second["match_ids"] == [match_id]

    seen_by_anna = match_of(host, anna, match_id)
    assert seen_by_anna["kind"] == "youth" and seen_by_anna["municipality"] == MUNICIPALITY
    assert seen_by_anna["my_party_id"] == first["id"] and seen_by_anna["follow_up"] == "open"
    assert others(seen_by_anna) == [contact("bram.school")]
    seen_by_bram = match_of(host, bram, match_id)
    assert seen_by_bram["my_party_id"] == second["id"]
    assert others(seen_by_bram) == [contact("anna.jgz")]
    assert match_id in follow_up_ids(host, dirk, "open")

    # Carla joins the same match: everyone now sees the two others.
    third = register(host, carla, YOUTH_FOLLOWED_UP)
    assert third["match_id"] == match_id
    for headers, me in ((anna, "anna.jgz"), (bram, "bram.school"), (carla, "carla.wijkteam")):
        expected = sorted((contact(u) for u in PROFESSIONALS if u != me), key=lambda c: c["name"])
        assert others(match_of(host, headers, match_id)) == expected, me

    # Anna takes coordination: that completes the follow-up.
    taken = host.http.post(
        host.url(f"/signals/matches/{match_id}/coordinator"), json={"party_id": first["id"]}, headers=anna
    )
    assert taken.status_code == 200, taken.text
    coordinated = taken.json()
    assert coordinated["coordinator"]["party_id"] == first["id"] and coordinated["coordinator"]["is_coordinator"]
    assert coordinated["follow_up"] == "done" and coordinated["contact_made"] is True
    coordinator_for_bram = match_of(host, bram, match_id)["coordinator"]
    assert coordinator_for_bram["contact"] == contact("anna.jgz")

    # The municipality's match follow-up sees it done, with its three parties.
    [done] = [f for f in every_item(host, "/signals/follow-up", dirk, status="done") if f["id"] == match_id]
    assert done["follow_up"] == "done" and done["coordinator_assigned"] is True and done["completed_at"]
    assert sorted(p["contact"]["name"] for p in done["parties"]) == sorted(contact(u)["name"] for u in PROFESSIONALS)
    assert match_id not in follow_up_ids(host, dirk, "open")

    # Every fact went out on the region bus.
    bus.wait_for("match_id", match_id, "MatchFound", "MatchPartyAdded", "CoordinatorAssigned", "MatchFollowUpCompleted")
    for registered in (first, second, third):
        bus.wait_for("signal_id", registered["id"], "SignalRegistered")

    # Anna and Bram were told of the match: an inbox item each, and an e-mail in moto (their default channels)
    # that says there is something to look at and links to it, without the youth's BSN or anyone's name.
    link = f"/signals/matches/{match_id}"
    for headers, username in ((anna, "anna.jgz"), (bram, "bram.school")):
        items = wait_for(
            f"the match notice in {username}'s inbox", lambda h=headers: notices(host, h, link), timeout=NOTIFIED_WITHIN
        )
        assert items[0]["category"] == "match" and items[0]["title"] == "Nieuwe match in de verwijsindex"
        [email] = wait_for(
            f"the e-mail to {username}", lambda u=username: emails_about(host, u, link), timeout=NOTIFIED_WITHIN
        )
        assert email["subject"] == "Nieuwe match in de verwijsindex"
        family_and_people = [contact(u)["name"] for u in PROFESSIONALS] + [YOUTH_FOLLOWED_UP]
        for text in (email["subject"], email["body"]):
            assert not any(word in text for word in family_and_people), text
            assert not re.search(r"(?<!\d)\d{9}(?!\d)", text.replace(match_id, "")), text


def test_a_match_nobody_follows_up_is_overdue_for_the_municipality_after_the_deadline(
    signals_host: RunningHost, bus: BusTap
) -> None:
    host = signals_host
    register(host, host.auth("anna.jgz"), YOUTH_LEFT_ALONE)
    match_id = register(host, host.auth("carla.wijkteam"), YOUTH_LEFT_ALONE)["match_id"]
    assert match_id
    assert match_id in follow_up_ids(host, host.auth("dirk.gemeente"), "open")

    # Groningen gives 10 working days; 20 days later the sweepers (run right after the jump) find it late.
    travelled = host.http.post(host.url("/local/clock"), json={"advance": "P20D"})
    assert travelled.status_code == 200, travelled.text
    [deadlines] = [result for name, result in travelled.json()["sweeps"].items() if name.endswith("signals-deadlines")]
    assert deadlines["overdue"] >= 1, deadlines

    dirk = host.auth("dirk.gemeente")  # signed in again: tokens are judged on the travelled clock
    [overdue] = [f for f in every_item(host, "/signals/follow-up", dirk, status="overdue") if f["id"] == match_id]
    assert overdue["follow_up"] == "overdue" and overdue["coordinator_assigned"] is False
    assert match_id not in follow_up_ids(host, dirk, "open")
    assert match_of(host, host.auth("anna.jgz"), match_id)["follow_up"] == "overdue"
    bus.wait_for("match_id", match_id, "MatchFound", "MatchFollowUpOverdue")


def test_the_demo_seed_gives_anna_and_bram_a_match_at_once(host: RunningHost) -> None:
    anna, bram, carla = (host.auth(u) for u in PROFESSIONALS)
    [seeded] = [m for m in every_item(host, "/signals/matches", anna) if others(m) == [contact("bram.school")]]
    assert seeded["kind"] == "youth" and seeded["follow_up"] == "open"
    assert others(match_of(host, bram, seeded["id"])) == [contact("anna.jgz")]
    assert every_item(host, "/signals", carla), "carla.wijkteam has a demo signal of her own"
