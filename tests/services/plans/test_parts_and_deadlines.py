"""The plan's other parts, its access log, reminders, overdue actions and destruction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.shared.clock import FixedClock
from tests.services.plans.conftest import World
from tests.services.plans.test_plans import member, network, start


def sweep(world: World) -> dict[str, int]:
    from services.plans.handlers.sweeper import handler
    from tests.services.conftest import LambdaContext

    return handler({"source": "aws.events", "detail-type": "Scheduled Event"}, LambdaContext())


def test_domains_agreements_safety_and_evaluation(world: World) -> None:
    plan = start(world)
    plan_id = plan["id"]
    piet = member(plan, "Piet")
    steps = [
        ("PUT", "domains/health", {"strengths": ["sport"], "concerns": ["slapen"]}),
        ("POST", "agreements", {"text": "elke week een gesprek"}),
        ("PUT", "safety", {"text": "afspraken bij escalatie", "hidden_from": [piet]}),
        ("PUT", "evaluation", {"evaluation_date": "2027-06-01"}),
    ]
    for version, (method, part, body) in enumerate(steps, start=1):
        reply = world.call("carla", method, f"/plans/{plan_id}/{part}", body, if_match=version)
        assert reply.status == 200, (part, reply.body)
    seen = world.call("eva", "GET", f"/plans/{plan_id}").body
    assert seen["domains"] == [{"domain": "health", "strengths": ["sport"], "concerns": ["slapen"]}]
    assert [a["text"] for a in seen["agreements"]] == ["elke week een gesprek"]
    assert seen["safety"] == "afspraken bij escalatie" and seen["evaluation_date"] == "2027-06-01"
    assert world.call("piet", "GET", f"/plans/{plan_id}").body["safety"] is None
    assert world.call("carla", "PUT", f"/plans/{plan_id}/domains/astrology", {}, if_match=5).status in (404, 422)
    past = world.call("carla", "PUT", f"/plans/{plan_id}/evaluation", {"evaluation_date": "2020-01-01"}, if_match=5)
    assert past.status == 422


def test_a_network_member_is_added_and_loses_access_after_the_end_date(world: World, fixed_clock: FixedClock) -> None:
    plan = start(world)
    plan_id = plan["id"]
    dirk = {
        "kind": "professional", "display_name": "Dirk", "role": "gemeente", "user_id": world.users["dirk"],
        "organization": "demo-gemeente-groningen", "end_date": "2026-12-10",
    }  # fmt: skip
    added = world.call("eva", "POST", f"/plans/{plan_id}/network", dirk, if_match=1)
    assert added.status == 200, added.body
    [event] = world.published("PlanNetworkMemberAdded")
    assert world.users["dirk"] in event["data"]["recipients"]
    assert world.call("dirk", "GET", f"/plans/{plan_id}").body["access"] == "summary"
    fixed_clock.set(datetime(2026, 12, 10, 22, 0, tzinfo=UTC))  # 23:00 on the 10th in Amsterdam: still in
    assert world.call("dirk", "GET", f"/plans/{plan_id}").status == 200
    fixed_clock.set(datetime(2026, 12, 10, 23, 0, tzinfo=UTC))  # midnight: the 11th
    assert world.call("dirk", "GET", f"/plans/{plan_id}").status == 404
    assert world.call("dirk", "GET", "/plans").body["items"] == []
    friend = {"kind": "friend", "display_name": "X", "role": "buurvrouw"}
    assert world.call("bram", "POST", f"/plans/{plan_id}/network", friend, if_match=2).status == 403


def test_the_family_reads_who_read_or_changed_the_plan(world: World) -> None:
    plan = start(world)
    world.call("bram", "GET", f"/plans/{plan['id']}")
    log = world.call("eva", "GET", f"/plans/{plan['id']}/access-log")
    assert log.status == 200
    who = [(e["user_id"], e["what"]) for e in log.body["items"]]
    assert (world.users["carla"], "plan.start") in who and (world.users["bram"], "plan.read.summary") in who
    again = world.call("eva", "GET", f"/plans/{plan['id']}/access-log").body["items"]
    assert (world.users["eva"], "plan.access_log") in [(e["user_id"], e["what"]) for e in again]  # logged too
    assert world.call("carla", "GET", f"/plans/{plan['id']}/access-log").status == 403  # for the family


def test_an_evaluation_reminder_two_weeks_ahead_and_an_overdue_action_once(
    world: World, fixed_clock: FixedClock
) -> None:
    plan = start(world)
    plan_id = plan["id"]
    world.call("carla", "PUT", f"/plans/{plan_id}/evaluation", {"evaluation_date": "2027-01-15"}, if_match=1)
    world.call("carla", "POST", f"/plans/{plan_id}/actions",
               {"description": "gesprek", "owner": network(plan, "Anna"), "due_date": "2026-12-05"},
               if_match=2)  # fmt: skip

    fixed_clock.set(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    assert sweep(world) == {"reminders": 0, "overdue": 0, "destroyed": 0, "conflicts": 0}
    fixed_clock.set(datetime(2026, 12, 5, 23, 0, tzinfo=UTC))  # the 6th in Amsterdam
    assert sweep(world)["overdue"] == 1
    assert sweep(world)["overdue"] == 0  # once
    [overdue] = world.published("PlanActionOverdue")
    assert set(overdue["data"]["recipients"]) == {world.users["anna"], world.users["carla"]}

    fixed_clock.set(datetime(2026, 12, 31, 23, 0, tzinfo=UTC))  # 1 January: two weeks before the 15th
    assert sweep(world)["reminders"] == 1 and sweep(world)["reminders"] == 0
    [due] = world.published("PlanEvaluationDue")
    assert due["data"]["evaluation_date"] == "2027-01-15"
    assert world.users["eva"] in due["data"]["recipients"]
    # The reminders changed nothing a person wrote: the version the family edits against is the same.
    assert world.call("carla", "GET", f"/plans/{plan_id}").body["version"] == 3


def test_the_family_asks_for_destruction_and_the_sweeper_destroys_the_plan(
    world: World, fixed_clock: FixedClock
) -> None:
    plan = start(world)
    plan_id = plan["id"]
    assert world.call("carla", "POST", f"/plans/{plan_id}/destruction-request", if_match=1).status == 403
    asked = world.call("eva", "POST", f"/plans/{plan_id}/destruction-request", if_match=1)
    assert asked.status == 202 and asked.body["destroyed_by"] == "2027-03-01"
    assert world.call("carla", "POST", f"/plans/{plan_id}/goals", {"domain": "health", "description": "x"},
                      if_match=2).status == 409  # fmt: skip

    fixed_clock.advance(timedelta(minutes=15))
    assert sweep(world)["destroyed"] == 1
    assert world.items("plan") == [] and world.items("history") == [] and world.items("family") == []
    assert world.items("participation") == []
    assert world.call("eva", "GET", f"/plans/{plan_id}").status == 404
    from services.shared.audit import AuditEntry

    assert any(e.event == "plan.destroy" for e in AuditEntry.scan())  # the audit log stays, as the law requires


def test_the_coordinator_adds_a_parent_by_e_mail_and_corrects_the_child(world: World) -> None:
    plan = start(world)
    plan_id = plan["id"]
    cognito = world.region.client("cognito-idp")
    pool = cognito.list_user_pools(MaxResults=5)["UserPools"][0]["Id"]
    cognito.admin_update_user_attributes(
        UserPoolId=pool, Username="tim", UserAttributes=[{"Name": "email", "Value": "tim@example.nl"}]
    )
    child = {"kind": "child", "display_name": "Tim", "birth_date": "2012-03-01", "email": "tim@example.nl"}
    added = world.call("carla", "POST", f"/plans/{plan_id}/members", child, if_match=1)
    assert added.status == 200, added.body
    assert world.call("tim", "GET", f"/plans/{plan_id}").body["relation"] == "child"  # 14: sees the own plan
    unknown = {"kind": "parent", "display_name": "X", "email": "nobody@example.nl"}
    assert world.call("carla", "POST", f"/plans/{plan_id}/members", unknown, if_match=2).status == 422
    again = world.call("carla", "POST", f"/plans/{plan_id}/members", child, if_match=2)
    assert again.status == 409
    sanne = member(plan, "Sanne")
    fixed = world.call("carla", "PATCH", f"/plans/{plan_id}/members/{sanne}", {"display_name": "Sanne J."}, if_match=2)
    assert fixed.status == 200 and "Sanne J." in [m["display_name"] for m in fixed.body["members"]]
    assert world.call("bram", "PATCH", f"/plans/{plan_id}/members/{sanne}", {"display_name": "Z"},
                      if_match=3).status == 403  # fmt: skip


def test_a_finalised_evaluation_cannot_be_changed(world: World) -> None:
    plan = start(world)
    plan_id = plan["id"]
    added = world.call("carla", "POST", f"/plans/{plan_id}/evaluations",
                       {"held_on": "2026-11-30", "summary": "goed op weg"}, if_match=1)  # fmt: skip
    assert added.status == 200, added.body
    evaluation_id = added.body["evaluations"][0]["id"]
    finalised = world.call("carla", "PATCH", f"/plans/{plan_id}/evaluations/{evaluation_id}",
                           {"summary": "goed op weg, slapen beter", "finalise": True}, if_match=2)  # fmt: skip
    assert finalised.status == 200 and finalised.body["evaluations"][0]["finalised"] is True
    again = world.call("carla", "PATCH", f"/plans/{plan_id}/evaluations/{evaluation_id}",
                       {"summary": "anders"}, if_match=3)  # fmt: skip
    assert again.status == 409 and again.body["code"] == "evaluation_finalised"
    assert world.call("eva", "GET", f"/plans/{plan_id}").body["evaluations"][0]["summary"] == (
        "goed op weg, slapen beter"
    )
    future = {"held_on": "2027-01-01", "summary": "x"}
    assert world.call("carla", "POST", f"/plans/{plan_id}/evaluations", future, if_match=3).status == 422


def test_a_competing_write_between_the_read_and_the_transaction_gets_412_and_loses_nothing(
    world: World, monkeypatch: Any
) -> None:
    """Deterministic: the competing change commits after this request read the plan, before it writes."""
    from services.plans.dal import repository
    from services.plans.logic import plans
    from services.plans.models.api import NewGoal

    plan = start(world)
    plan_id = plan["id"]
    real_get = repository.get_plan
    state = {"injected": False}

    def get_then_compete(wanted: str) -> Any:
        found = real_get(wanted)
        if not state["injected"]:
            state["injected"] = True
            eva = world_principal(world, "eva")
            plans.change(eva, plan_id, "1", plans.CAN_EDIT, plans.add_goal(NewGoal(domain="health", description="A")))
        return found

    monkeypatch.setattr(repository, "get_plan", get_then_compete)
    reply = world.call("carla", "POST", f"/plans/{plan_id}/goals", {"domain": "health", "description": "B"},
                       if_match=1)  # fmt: skip
    monkeypatch.setattr(repository, "get_plan", real_get)

    assert reply.status == 412 and reply.body["details"]["current_version"] == 2
    goals = [g["description"] for g in world.call("carla", "GET", f"/plans/{plan_id}").body["goals"]]
    assert goals == ["A"]  # the competing change stands; B was refused, not half-written


def world_principal(world: World, who: str) -> Any:
    from services.shared.principal import Principal, Role

    return Principal(user_id=world.users[who], username=who, roles=frozenset({Role.PARENT}), region="groningen")
