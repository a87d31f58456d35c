"""The family plan through its API against moto: start, see, change with versions, consent, hand over."""

from __future__ import annotations

from typing import Any

from services.shared.contracts.signals import CoordinatorAssigned
from services.shared.events import new_event
from tests.services.plans.conftest import World

CHILD_BSN = "999990044"


def start(world: World, **extra: Any) -> dict[str, Any]:
    body = {
        "children": [{"display_name": "Sanne", "birth_date": "2018-05-01", "bsn": CHILD_BSN}],
        "parents": [
            {"display_name": "Eva", "authority": True, "user_id": world.users["eva"]},
            {"display_name": "Piet", "authority": True, "user_id": world.users["piet"]},
        ],
        "network": [
            {"kind": "professional", "display_name": "Anna", "role": "jeugdverpleegkundige",
             "user_id": world.users["anna"], "organization": "demo-jgz-groningen"},
            {"kind": "professional", "display_name": "Bram", "role": "mentor", "user_id": world.users["bram"],
             "organization": "demo-school-groningen"},
        ],
        **extra,
    }  # fmt: skip
    reply = world.call("carla", "POST", "/plans", body)
    assert reply.status == 201, reply.body
    assert reply.etag == '"1"'
    return reply.body


def member(plan: dict[str, Any], name: str) -> str:
    return next(m["id"] for m in plan["members"] if m["display_name"] == name)


def network(plan: dict[str, Any], name: str) -> str:
    return next(n["id"] for n in plan["network"] if n["display_name"] == name)


def test_a_professional_starts_a_plan_and_coordinates_it(world: World) -> None:
    plan = start(world)
    assert plan["coordinator"]["display_name"] == "Carla Jansen" and plan["relation"] == "coordinator"
    assert plan["phase"] == "intake" and plan["version"] == 1 and plan["access"] == "content"
    assert [i["id"] for i in world.call("carla", "GET", "/plans").body["items"]] == [plan["id"]]
    assert [i["id"] for i in world.call("eva", "GET", "/plans/mine").body["items"]] == [plan["id"]]
    assert world.call("anna", "GET", "/plans/mine").body["items"] == []  # not family
    [started] = world.published("PlanStarted")
    assert started["data"]["plan_id"] == plan["id"] and not started["data"]["draft"]
    assert CHILD_BSN not in str(world.items("plan")) and CHILD_BSN not in str(world.items("family"))


def test_one_family_one_plan(world: World) -> None:
    plan = start(world)
    again = world.call("anna", "POST", "/plans", {"children": [{"display_name": "S", "birth_date": "2018-05-01",
                                                                 "bsn": CHILD_BSN}]})  # fmt: skip
    assert again.status == 409 and again.body["details"]["plan_id"] == plan["id"]


def test_only_a_professional_starts_a_plan_and_bad_input_is_refused(world: World) -> None:
    body = {"children": [{"display_name": "S", "birth_date": "2018-05-01"}]}
    assert world.call("eva", "POST", "/plans", body).status == 403
    assert world.call("carla", "POST", "/plans", {"children": []}).status == 422
    assert world.call("carla", "POST", "/plans", {**body, "diagnosis": "x"}).status == 422
    assert world.items("plan") == []


def test_who_sees_what_through_the_api(world: World) -> None:
    plan = start(world)
    plan_id = plan["id"]
    assert world.call("eva", "GET", f"/plans/{plan_id}").body["access"] == "content"
    bram = world.call("bram", "GET", f"/plans/{plan_id}")
    assert bram.status == 200 and bram.body["access"] == "summary" and bram.body["goals"] is None
    assert {n["display_name"] for n in bram.body["network"]} == {"Carla Jansen", "Anna", "Bram"}
    assert world.call("dirk", "GET", f"/plans/{plan_id}").status == 404  # an outsider: no such plan
    assert world.call("dirk", "GET", "/plans/pln-0000000000000000").status == 404


def test_consent_lets_the_school_read_and_revoking_takes_it_away(world: World) -> None:
    plan = start(world)
    plan_id = plan["id"]
    given = world.call("eva", "POST", f"/plans/{plan_id}/consents", {"organization": "demo-school-groningen"},
                       if_match=1)  # fmt: skip
    assert given.status == 200 and given.etag == '"2"'
    assert world.call("bram", "GET", f"/plans/{plan_id}").body["access"] == "content"
    [event] = world.published("PlanConsentGiven")
    assert world.users["bram"] in event["data"]["recipients"]

    consent_id = given.body["consents"][0]["id"]
    revoked = world.call("piet", "POST", f"/plans/{plan_id}/consents/{consent_id}/revoke", if_match=2)
    assert revoked.status == 200
    assert world.call("bram", "GET", f"/plans/{plan_id}").body["access"] == "summary"
    assert world.call("bram", "POST", f"/plans/{plan_id}/consents", {"organization": "demo-school-groningen"},
                      if_match=3).status == 403  # fmt: skip


def test_two_editors_with_the_same_version_one_wins_the_other_gets_412(world: World) -> None:
    plan = start(world)
    plan_id = plan["id"]
    first = world.call("carla", "POST", f"/plans/{plan_id}/goals",
                       {"domain": "health", "description": "beter slapen"}, if_match=1)  # fmt: skip
    second = world.call("eva", "POST", f"/plans/{plan_id}/goals",
                        {"domain": "school_and_work", "description": "elke dag naar school"}, if_match=1)  # fmt: skip
    assert first.status == 200 and second.status == 412
    assert second.body["details"]["current_version"] == 2
    retried = world.call("eva", "POST", f"/plans/{plan_id}/goals",
                         {"domain": "school_and_work", "description": "elke dag naar school"}, if_match=2)  # fmt: skip
    assert retried.status == 200
    goals = world.call("carla", "GET", f"/plans/{plan_id}").body["goals"]
    assert sorted(g["description"] for g in goals) == ["beter slapen", "elke dag naar school"]  # nothing lost


def test_a_write_without_if_match_gets_428_and_changes_nothing(world: World) -> None:
    plan = start(world)
    reply = world.call("carla", "POST", f"/plans/{plan['id']}/goals", {"domain": "health", "description": "x"})
    assert reply.status == 428 and reply.body["code"] == "if_match_required"
    assert world.call("carla", "GET", f"/plans/{plan['id']}").body["version"] == 1


def test_an_item_hidden_from_one_parent(world: World) -> None:
    plan = start(world)
    piet = member(plan, "Piet")
    reply = world.call("carla", "POST", f"/plans/{plan['id']}/goals",
                       {"domain": "upbringing_and_family", "description": "rust thuis", "hidden_from": [piet]},
                       if_match=1)  # fmt: skip
    assert reply.status == 200
    assert [g["description"] for g in world.call("eva", "GET", f"/plans/{plan['id']}").body["goals"]] == ["rust thuis"]
    assert world.call("piet", "GET", f"/plans/{plan['id']}").body["goals"] == []
    bad = world.call("carla", "POST", f"/plans/{plan['id']}/goals",
                     {"domain": "health", "description": "x", "hidden_from": ["mem-0000000000000000"]},
                     if_match=2)  # fmt: skip
    assert bad.status == 422


def test_an_action_for_a_network_member_tells_them_and_the_history_shows_every_change(world: World) -> None:
    plan = start(world)
    plan_id = plan["id"]
    world.call("eva", "POST", f"/plans/{plan_id}/consents", {"organization": "demo-school-groningen"}, if_match=1)
    added = world.call("carla", "POST", f"/plans/{plan_id}/actions",
                       {"description": "gesprek met mentor", "owner": network(plan, "Bram"), "due_date": "2026-12-15"},
                       if_match=2)  # fmt: skip
    assert added.status == 200, added.body
    [assigned] = world.published("PlanActionAssigned")
    assert assigned["data"]["recipients"] == [world.users["bram"]]
    action_id = added.body["actions"][0]["id"]
    done = world.call("bram", "PATCH", f"/plans/{plan_id}/actions/{action_id}", {"status": "done"}, if_match=3)
    assert done.status == 200 and done.body["actions"][0]["status"] == "done"

    history = world.call("eva", "GET", f"/plans/{plan_id}/history").body["items"]
    assert [(h["version"], h["change"]) for h in history] == [
        (1, "plan.start"), (2, "consent.give"), (3, "action.add"), (4, "action.update")
    ]  # fmt: skip
    assert history[3]["by"] == world.users["bram"]


def test_handing_over_coordination_publishes_the_change(world: World) -> None:
    plan = start(world)
    plan_id = plan["id"]
    refused = world.call("carla", "POST", f"/plans/{plan_id}/coordinator", {"ref": network(plan, "Anna")}, if_match=1)
    assert refused.status == 403 and refused.body["code"] == "consent_required"  # no consent for Anna's JGZ yet
    world.call("eva", "POST", f"/plans/{plan_id}/consents", {"organization": "demo-jgz-groningen"}, if_match=1)
    reply = world.call("carla", "POST", f"/plans/{plan_id}/coordinator", {"ref": network(plan, "Anna")}, if_match=2)
    assert reply.status == 200 and reply.body["coordinator"]["display_name"] == "Anna"
    [changed] = world.published("PlanCoordinatorChanged")
    assert changed["data"]["coordinator_id"] == world.users["anna"]
    assert changed["data"]["previous_coordinator_id"] == world.users["carla"]
    assert (
        world.call("carla", "POST", f"/plans/{plan_id}/coordinator", {"ref": network(plan, "Bram")}, if_match=3).status
        == 403
    )  # fmt: skip  (no longer coordinator, not consented)


def test_phases_move_forward_and_closing_starts_retention(world: World) -> None:
    plan = start(world)
    plan_id = plan["id"]
    assert world.call("carla", "POST", f"/plans/{plan_id}/phase", {"phase": "closed"}, if_match=1).status == 409
    for version, phase in enumerate(("active", "evaluation", "closed"), start=1):
        reply = world.call("carla", "POST", f"/plans/{plan_id}/phase", {"phase": phase}, if_match=version)
        assert reply.status == 200, reply.body
    [closed] = world.published("PlanClosed")
    assert closed["data"]["retention_until"] == "2046-12-01"
    assert world.call("carla", "POST", f"/plans/{plan_id}/goals", {"domain": "health", "description": "x"},
                      if_match=4).status == 409  # fmt: skip


def test_coordinator_assigned_starts_a_draft_once(world: World) -> None:
    event = new_event(
        CoordinatorAssigned(
            match_id="mat-" + "ab" * 16, kind="youth", municipality="GM0014", subject="pseudonym-of-the-youth",
            coordinator_party_id="sig-" + "01" * 16, coordinator_id=world.users["anna"],
            party_ids=[world.users["anna"], world.users["bram"]],
            party_organizations={
                world.users["anna"]: "demo-jgz-groningen", world.users["bram"]: "demo-school-groningen"
            },
            assigned_by=world.users["anna"], recipients=[world.users["anna"], world.users["bram"]],
        )
    )  # fmt: skip
    assert world.deliver(event) == {"batchItemFailures": []}
    assert world.deliver(new_event(event.data)) == {"batchItemFailures": []}  # another event, same family
    [plan_item] = world.items("plan")
    [listed] = world.call("anna", "GET", "/plans").body["items"]
    assert listed["draft"] is True and listed["relation"] == "coordinator"
    bram = world.call("bram", "GET", f"/plans/{listed['id']}").body
    assert bram["access"] == "summary"  # a draft: the family has not consented
    assert {n["display_name"] for n in bram["network"]} == {"Anna de Vries", "Bram Bakker"}
    assert plan_item["pk"]["S"] == f"PLAN#{listed['id']}"


def test_every_read_is_audited_and_an_outsiders_attempt_too(world: World) -> None:
    from services.shared.audit import AuditEntry

    plan = start(world)
    world.call("eva", "GET", f"/plans/{plan['id']}")
    world.call("dirk", "GET", f"/plans/{plan['id']}")
    entries = [e for e in AuditEntry.scan() if e.service == "plans"]
    events = sorted((e.event, e.outcome) for e in entries)
    assert ("plan.read.content", "success") in events and ("plan.read", "denied") in events
    assert ("plan.start", "success") in events


def test_the_plan_exports_as_a_fhir_bundle_as_far_as_the_caller_may_see(world: World) -> None:
    from fhir.resources.R4B.bundle import Bundle

    plan = start(world)
    world.call("carla", "POST", f"/plans/{plan['id']}/goals", {"domain": "health", "description": "slapen"},
               if_match=1)  # fmt: skip
    full = world.call("eva", "GET", f"/plans/{plan['id']}/fhir")
    summary = world.call("bram", "GET", f"/plans/{plan['id']}/fhir")
    assert full.status == summary.status == 200
    for reply in (full, summary):
        Bundle.model_validate(reply.body)  # a valid FHIR Bundle, every entry's resource included
    kinds = sorted({e["resource"]["resourceType"] for e in full.body["entry"]})
    assert {"CarePlan", "CareTeam", "Goal"} <= set(kinds)
    assert {e["resource"]["resourceType"] for e in summary.body["entry"]} == {"CarePlan", "CareTeam"}
    assert CHILD_BSN not in str(full.body)
    assert world.call("dirk", "GET", f"/plans/{plan['id']}/fhir").status == 404


def test_a_family_match_puts_only_the_coordinator_in_this_childs_network(world: World) -> None:
    event = new_event(
        CoordinatorAssigned(
            match_id="mat-" + "cd" * 16, kind="family", municipality="GM0014", subject="pseudonym-of-a-sibling",
            coordinator_party_id="sig-" + "02" * 16, coordinator_id=world.users["anna"],
            party_ids=[world.users["anna"], world.users["bram"]],
            party_organizations={world.users["anna"]: "demo-jgz-groningen"},
            assigned_by=world.users["anna"], recipients=[world.users["anna"], world.users["bram"]],
        )
    )  # fmt: skip
    assert world.deliver(event) == {"batchItemFailures": []}
    [listed] = world.call("anna", "GET", "/plans").body["items"]
    network = world.call("anna", "GET", f"/plans/{listed['id']}").body["network"]
    assert [n["display_name"] for n in network] == ["Anna de Vries"]
    assert world.call("bram", "GET", f"/plans/{listed['id']}").status == 404  # he signalled another child
