"""The family plan journey over HTTP, as the frontends make it: a match's coordinator gets a draft plan, adds
the parent and corrects the child, the parent consents to one organisation, an action reaches its owner, and
the parent sees who read and changed the plan.

This host is its own, seeded like every local host: eva.ouder already has a family plan (carla.wijkteam
coordinates, anna.jgz reads it with consent), so the journey asserts on the plan it makes, never on counts.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from tests.e2e.conftest import NOTIFIED_WITHIN, RunningHost, start_host, wait_for
from tests.e2e.test_signals_journey import contact, emails_about, match_of, notices, register

pytestmark = pytest.mark.e2e

# A test BSN (RvIG test range, passing the 11-proef) that neither the demo seed nor the other journeys use.
YOUTH = "999990093"
CHILD_NAME = "Sanne (DEMO)"
CHILD_BIRTH_DATE = "2016-05-04"  # under 12: the parents with authority consent for her
ACTION_ASSIGNED = "Een nieuwe actie voor u"


@pytest.fixture(scope="module")
def plans_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    running = start_host(tmp_path_factory.mktemp("plans-host"), extra_manifests=())
    yield running
    running.stop()


@cache
def demo_user(username: str) -> Any:
    from infra.config import load_region
    from infra.local.seed import demo_users

    [user] = [u for u in demo_users(load_region("groningen").region) if u.username == username]
    return user


def user_id(host: RunningHost, username: str) -> str:
    """The user's id (the ID token's ``sub``), as the plans service knows them."""
    payload = host.token(username).split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def plans_of(host: RunningHost, headers: dict[str, str], path: str = "/plans") -> list[dict[str, Any]]:
    response = host.http.get(host.url(path), headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def read(host: RunningHost, headers: dict[str, str], plan_id: str) -> tuple[dict[str, Any], str]:
    """The plan as the caller sees it, and its ETag (what the next write sends as If-Match)."""
    response = host.http.get(host.url(f"/plans/{plan_id}"), headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'"{response.json()["version"]}"'
    return response.json(), response.headers["ETag"]


def write(
    host: RunningHost, headers: dict[str, str], method: str, path: str, body: Any, etag: str | None
) -> tuple[dict[str, Any], str]:
    """A write with If-Match; returns the plan as the writer now sees it and its new ETag."""
    sent = {**headers, **({"If-Match": etag} if etag is not None else {})}
    response = host.http.request(method, host.url(path), json=body, headers=sent)
    assert response.status_code == 200, response.text
    return response.json(), response.headers["ETag"]


def take_coordination_of_a_new_match(host: RunningHost, anna: dict[str, str], bram: dict[str, str]) -> str:
    """Anna and Bram signal one youth, Anna coordinates the match; returns the match id."""
    first = register(host, anna, YOUTH)
    match_id = register(host, bram, YOUTH)["match_id"]
    assert match_id and match_of(host, anna, match_id)["my_party_id"] == first["id"]
    taken = host.http.post(
        host.url(f"/signals/matches/{match_id}/coordinator"), json={"party_id": first["id"]}, headers=anna
    )
    assert taken.status_code == 200, taken.text
    return str(match_id)


def test_a_coordinated_match_becomes_the_familys_plan_that_the_parent_opens_to_a_school(
    plans_host: RunningHost,
) -> None:
    host = plans_host
    anna, bram, carla, eva = (host.auth(u) for u in ("anna.jgz", "bram.school", "carla.wijkteam", "eva.ouder"))
    school = contact("bram.school")["organization"]

    # (a) Anna takes coordination of her match with Bram: a draft plan is hers, Bram sees only that it exists.
    take_coordination_of_a_new_match(host, anna, bram)

    def anna_coordinates_a_draft() -> list[dict[str, Any]]:
        return [p for p in plans_of(host, anna) if p["relation"] == "coordinator" and p["draft"]]

    [draft] = wait_for("the draft plan of Anna's match", anna_coordinates_a_draft, timeout=30)
    plan_id = draft["id"]
    assert draft["access"] == "content" and draft["phase"] == "intake"
    assert draft["coordinator"]["display_name"] == contact("anna.jgz")["name"]
    [for_bram] = [p for p in plans_of(host, bram) if p["id"] == plan_id]
    assert for_bram["access"] == "summary" and for_bram["relation"] == "professional"
    summary, _ = read(host, bram, plan_id)
    assert summary["access"] == "summary" and summary["members"] is None and summary["goals"] is None
    assert {n["organization"] for n in summary["network"]} >= {school, contact("anna.jgz")["organization"]}
    assert host.http.get(host.url(f"/plans/{plan_id}"), headers=carla).status_code == 404

    # (b) Anna adds Eva (linked by her e-mail) as parent with authority and corrects the placeholder child.
    plan, etag = read(host, anna, plan_id)
    assert plan["draft"] is True and etag == '"1"'
    [child] = plan["members"]
    assert child["kind"] == "child" and child["display_name"] == "Jeugdige" and child["birth_date"] is None
    eva_user = demo_user("eva.ouder")
    parent = {"kind": "parent", "display_name": eva_user.name, "authority": True, "email": eva_user.email}
    missing = host.http.post(host.url(f"/plans/{plan_id}/members"), json=parent, headers=anna)
    assert missing.status_code == 428 and missing.json()["code"] == "if_match_required", missing.text
    plan, etag = write(host, anna, "POST", f"/plans/{plan_id}/members", parent, etag)
    assert etag == '"2"' and [m["kind"] for m in plan["members"]] == ["child", "parent"]
    stale = host.http.post(host.url(f"/plans/{plan_id}/members"), json=parent, headers={**anna, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["details"]["current_version"] == 2, stale.text
    correction = {"display_name": CHILD_NAME, "birth_date": CHILD_BIRTH_DATE}
    plan, etag = write(host, anna, "PATCH", f"/plans/{plan_id}/members/{child['id']}", correction, etag)
    [child] = [m for m in plan["members"] if m["kind"] == "child"]
    assert child["display_name"] == CHILD_NAME and child["birth_date"] == CHILD_BIRTH_DATE

    # (c) Eva, a parent with authority of a child under 12, consents to Bram's school: the draft is her plan now,
    # and Bram reads it; Carla is not in the plan, so it does not exist for her.
    assert plan_id in {p["id"] for p in plans_of(host, eva, "/plans/mine")}
    as_eva, etag = read(host, eva, plan_id)
    assert as_eva["relation"] == "parent" and as_eva["access"] == "content"
    consented, etag = write(host, eva, "POST", f"/plans/{plan_id}/consents", {"organization": school}, etag)
    assert consented["draft"] is False
    assert [(c["organization"], c["in_force"]) for c in consented["consents"]] == [(school, True)]
    content, _ = read(host, bram, plan_id)
    assert content["access"] == "content" and content["relation"] == "professional"
    assert [m["display_name"] for m in content["members"]] == [CHILD_NAME, eva_user.name]
    assert host.http.get(host.url(f"/plans/{plan_id}"), headers=carla).status_code == 404

    # (d) Anna adds a goal and an action for Bram: Bram is told in the inbox and by e-mail, with nothing about
    # the family in it.
    plan, etag = read(host, anna, plan_id)
    [bram_in_network] = [n for n in plan["network"] if n["organization"] == school]
    goal = {"domain": "school_and_work", "description": "Sanne gaat weer elke dag naar school"}
    plan, etag = write(host, anna, "POST", f"/plans/{plan_id}/goals", goal, etag)
    action = {
        "description": "Gesprek met de intern begeleider plannen",
        "owner": bram_in_network["id"],
        "goal_id": plan["goals"][0]["id"],
    }
    plan, etag = write(host, anna, "POST", f"/plans/{plan_id}/actions", action, etag)
    [added] = plan["actions"]
    assert added["owner"] == bram_in_network["id"] and added["status"] == "open"
    link = f"/plans/{plan_id}"

    def bram_told_of_the_action() -> list[dict[str, Any]]:
        return [i for i in notices(host, bram, link) if i["title"] == ACTION_ASSIGNED]

    [told] = wait_for("the action notice in Bram's inbox", bram_told_of_the_action, timeout=NOTIFIED_WITHIN)
    assert told["category"] == "plan"
    emails = wait_for(
        "the action e-mail to Bram",
        lambda: [m for m in emails_about(host, "bram.school", link) if m["subject"] == ACTION_ASSIGNED],
        timeout=NOTIFIED_WITHIN,
    )
    family = ["Sanne", eva_user.name, YOUTH, goal["description"], action["description"]]
    for text in (emails[0]["subject"], emails[0]["body"]):
        assert not any(word in text for word in family), text
        assert not re.search(r"(?<!\d)\d{9}(?!\d)", text.replace(plan_id, "")), text

    # (e) Eva finds the plan, reads it, and sees who read and changed it; the access log is for the family only.
    [mine] = [p for p in plans_of(host, eva, "/plans/mine") if p["id"] == plan_id]
    assert mine["relation"] == "parent" and mine["access"] == "content" and mine["draft"] is False
    as_eva, _ = read(host, eva, plan_id)
    assert [a["description"] for a in as_eva["actions"]] == [action["description"]]
    response = host.http.get(host.url(f"/plans/{plan_id}/access-log"), headers=eva)
    assert response.status_code == 200, response.text
    log = response.json()["items"]
    ids = {u: user_id(host, u) for u in ("anna.jgz", "bram.school", "carla.wijkteam", "eva.ouder")}

    def done_by(username: str, outcome: str = "success") -> set[str]:
        return {e["what"] for e in log if e["user_id"] == ids[username] and e["outcome"] == outcome}

    assert {"plan.read.summary", "plan.read.content"} <= done_by("bram.school")
    assert {"plan.member.add", "plan.member.update", "plan.goal.add", "plan.action.add"} <= done_by("anna.jgz")
    assert "plan.consent.give" in done_by("eva.ouder")
    assert done_by("carla.wijkteam", "denied") == {"plan.read"} and not done_by("carla.wijkteam")
    [bram_read] = [e for e in log if e["user_id"] == ids["bram.school"] and e["what"] == "plan.read.content"]
    assert bram_read["organization"] == school and bram_read["action"] == "read"
    outsider = host.http.get(host.url(f"/plans/{plan_id}/access-log"), headers=carla)
    assert outsider.status_code == 404 and outsider.json()["code"] == "plan_not_found", outsider.text
    not_family = host.http.get(host.url(f"/plans/{plan_id}/access-log"), headers=bram)
    assert not_family.status_code == 403 and not_family.json()["code"] == "family_only", not_family.text


def test_the_demo_seed_gives_eva_a_plan_that_carla_coordinates_and_anna_reads(plans_host: RunningHost) -> None:
    from infra.local.seed import DEMO_CHILD

    host = plans_host
    anna, carla, eva = (host.auth(u) for u in ("anna.jgz", "carla.wijkteam", "eva.ouder"))
    [seeded] = [
        p
        for p in plans_of(host, eva, "/plans/mine")
        if p["coordinator"]["display_name"] == contact("carla.wijkteam")["name"]
    ]
    assert seeded["relation"] == "parent" and seeded["access"] == "content" and seeded["draft"] is False

    plan, _ = read(host, anna, seeded["id"])
    assert plan["access"] == "content" and plan["relation"] == "professional"
    assert [(m["kind"], m["display_name"]) for m in plan["members"]] == [
        ("child", DEMO_CHILD[0]),
        ("parent", demo_user("eva.ouder").name),
    ]
    anna_org = contact("anna.jgz")["organization"]
    assert [(c["organization"], c["in_force"]) for c in plan["consents"]] == [(anna_org, True)]
    assert read(host, carla, seeded["id"])[0]["relation"] == "coordinator"
