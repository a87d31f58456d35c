"""Closed-loop follow-up, the sweeper's deadlines, and what the municipality sees and does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.shared.clock import FixedClock
from services.shared.contracts.plans import PlanCoordinatorChanged
from services.shared.events import new_event
from services.signals.handlers.sweeper import handler as sweeper_handler
from tests.services.conftest import LambdaContext, sqs_batch
from tests.services.signals.conftest import Api, bsn, outbox, table_items

YOUTH = bsn(1)


def sweep() -> dict[str, int]:
    return sweeper_handler({"source": "aws.events", "detail-type": "Scheduled Event"}, LambdaContext())  # type: ignore[no-any-return]


def matched(api: Api) -> tuple[str, dict[str, Any], dict[str, Any]]:
    anna = api.register("anna", YOUTH).body
    bram = api.register("bram", YOUTH).body
    return bram["match_id"], anna, bram


def test_contact_is_recorded_once_and_told_to_the_others(api: Api) -> None:
    match_id, _, _ = matched(api)

    first = api.call("anna", "POST", f"/signals/matches/{match_id}/contact")
    again = api.call("anna", "POST", f"/signals/matches/{match_id}/contact")

    assert first.status == again.status == 200
    assert first.body["contact_made"] is True
    [recorded] = outbox(api.region, "MatchContactRecorded")
    assert recorded["data"]["recipients"] == ["user-bram"]
    bram_view = api.call("bram", "GET", "/signals/matches").body["items"][0]
    assert bram_view["others"][0]["contact_made"] is True
    assert bram_view["follow_up"] == "open"  # contact alone does not settle who coordinates


def test_taking_coordination_completes_follow_up_and_publishes_coordinator_assigned(api: Api) -> None:
    match_id, anna, _ = matched(api)

    reply = api.call("anna", "POST", f"/signals/matches/{match_id}/coordinator", {"party_id": anna["id"]})

    assert reply.status == 200, reply.body
    assert reply.body["follow_up"] == "done"
    assert reply.body["coordinator"]["contact"]["name"] == "Anna de Vries"
    [assigned] = outbox(api.region, "CoordinatorAssigned")
    assert assigned["data"]["coordinator_id"] == "user-anna"
    assert sorted(assigned["data"]["party_ids"]) == ["user-anna", "user-bram"]
    assert assigned["data"]["subject"]  # the youth's pseudonym, so plans can find the family
    assert YOUTH not in str(assigned)
    [completed] = outbox(api.region, "MatchFollowUpCompleted")
    assert completed["data"]["within_deadline"] is True
    done = api.call("dirk", "GET", "/signals/follow-up", query={"status": "done"}).body["items"]
    assert [m["id"] for m in done] == [match_id]
    assert done[0]["coordinator_assigned"] is True


def test_coordination_can_be_handed_to_another_party_and_there_is_one_coordinator(api: Api) -> None:
    match_id, anna, bram = matched(api)
    api.call("anna", "POST", f"/signals/matches/{match_id}/coordinator", {"party_id": anna["id"]})

    handed = api.call("anna", "POST", f"/signals/matches/{match_id}/coordinator", {"party_id": bram["id"]})

    assert handed.status == 200
    coordinators = [o for o in handed.body["others"] if o["is_coordinator"]]
    assert [c["contact"]["name"] for c in coordinators] == ["Bram Bakker"]
    assert len(outbox(api.region, "CoordinatorAssigned")) == 2
    assert len(outbox(api.region, "MatchFollowUpCompleted")) == 1


def test_coordinator_must_be_a_party_and_only_parties_may_choose(api: Api) -> None:
    match_id, anna, _ = matched(api)
    carla_signal = api.register("carla", bsn(7)).body["id"]

    assert (
        api.call("anna", "POST", f"/signals/matches/{match_id}/coordinator", {"party_id": carla_signal}).status == 422
    )
    assert api.call("carla", "POST", f"/signals/matches/{match_id}/coordinator", {"party_id": anna["id"]}).status == 404
    assert api.call("eva", "POST", f"/signals/matches/{match_id}/contact").status == 403
    assert api.call("anna", "POST", f"/signals/matches/{match_id}/coordinator", {"party_id": "me"}).status == 422


def test_matchregie_sees_only_own_municipality(api: Api) -> None:
    match_id, _, _ = matched(api)

    own = api.call("dirk", "GET", "/signals/follow-up")
    other = api.call("wim", "GET", "/signals/follow-up")
    asking_other = api.call("dirk", "GET", "/signals/follow-up", query={"municipality": "GM1966"})
    closing_other = api.call("wim", "POST", f"/signals/follow-up/{match_id}/close", {"outcome": "contact_made"})

    assert [m["id"] for m in own.body["items"]] == [match_id]
    assert len(own.body["items"][0]["parties"]) == 2
    assert other.body["items"] == []
    assert asking_other.status == 403
    assert closing_other.status == 403
    assert api.call("anna", "GET", "/signals/follow-up").status == 403


def test_matchregie_closes_follow_up_with_an_outcome_once(api: Api) -> None:
    match_id, _, _ = matched(api)

    closed = api.call("dirk", "POST", f"/signals/follow-up/{match_id}/close", {"outcome": "contact_made"})
    again = api.call("dirk", "POST", f"/signals/follow-up/{match_id}/close", {"outcome": "contact_made"})
    bad = api.call("dirk", "POST", f"/signals/follow-up/{match_id}/close", {"outcome": "whatever"})

    assert closed.status == 200
    assert closed.body["follow_up"] == "closed"
    assert closed.body["outcome"] == "contact_made"
    assert again.status == 409
    assert bad.status == 422
    [completed] = outbox(api.region, "MatchFollowUpCompleted")
    assert completed["data"]["outcome"] == "contact_made"


def test_overdue_follow_up_is_published_once_then_escalated_to_the_municipality(
    api: Api, fixed_clock: FixedClock
) -> None:
    match_id, _, _ = matched(api)  # Monday 2 March 2026; 10 working days -> end of Monday 16 March
    fixed_clock.advance(timedelta(days=13, hours=14))  # Sunday 15 March, 23:00 UTC = Monday 00:00 local
    assert sweep()["overdue"] == 0

    fixed_clock.advance(timedelta(days=1))
    first = sweep()
    second = sweep()

    assert first["overdue"] == 1
    assert second["overdue"] == 0
    [overdue] = outbox(api.region, "MatchFollowUpOverdue")
    assert overdue["data"]["escalated"] is False
    assert sorted(overdue["data"]["recipients"]) == ["user-anna", "user-bram"]
    assert sorted(overdue["data"]["missing"]) == ["contact", "coordination"]
    assert [
        m["id"] for m in api.call("dirk", "GET", "/signals/follow-up", query={"status": "overdue"}).body["items"]
    ] == [match_id]

    fixed_clock.advance(timedelta(days=7))  # five working days later
    assert sweep()["escalated"] == 1
    assert sweep()["escalated"] == 0
    escalation = outbox(api.region, "MatchFollowUpOverdue")[-1]
    assert escalation["data"]["escalated"] is True
    assert escalation["data"]["notify_matchregie"] is True


def test_review_prompts_at_6_12_and_18_months_then_expiry_archives_and_archive_end_purges(
    api: Api, fixed_clock: FixedClock
) -> None:
    signal_id = api.register("anna", YOUTH).body["id"]

    for months, days in ((6, 185), (12, 366), (18, 549)):
        fixed_clock.set(fixed_clock.now().replace(year=2026, month=3, day=2) + timedelta(days=days))
        sweep()
        assert [e["data"]["months"] for e in outbox(api.region, "SignalReviewDue")][-1] == months
    assert len(outbox(api.region, "SignalReviewDue")) == 3

    fixed_clock.set(fixed_clock.now().replace(year=2028, month=3, day=3))
    assert sweep()["expired"] == 1
    [expired] = outbox(api.region, "SignalExpired")
    assert expired["data"] == {
        "signal_id": signal_id,
        "municipality": "GM0014",
        "cause": "two_years",
        "archived": True,
    }
    assert api.call("anna", "GET", f"/signals/{signal_id}").status == 404

    fixed_clock.set(fixed_clock.now().replace(year=2033, month=3, day=3))
    assert sweep()["purged"] == 1
    assert [e["data"]["signal_id"] for e in outbox(api.region, "SignalPurged")] == [signal_id]
    assert not [i for i in table_items(api.region) if i["entity"]["S"] in ("signal", "archived-entry")]


def test_signal_ends_at_the_23rd_birthday_without_archive(api: Api, fixed_clock: FixedClock) -> None:
    body = {"bsn": YOUTH, "birth_date": "2004-01-10", "municipality": "GM0014"}
    signal = api.call("anna", "POST", "/signals", body).body
    assert signal["removal_due"].startswith("2027-01-09T23:00")  # local midnight of the 23rd birthday

    fixed_clock.set(fixed_clock.now().replace(year=2027, month=1, day=10))
    sweep()

    [expired] = outbox(api.region, "SignalExpired")
    assert expired["data"]["cause"] == "age_23"
    assert expired["data"]["archived"] is False
    assert len(outbox(api.region, "SignalPurged")) == 1


def test_plan_coordinator_change_keeps_the_match_in_step(api: Api) -> None:
    from services.signals.handlers.plan_coordinator import keep_match_in_step

    match_id, _, _ = matched(api)
    change = PlanCoordinatorChanged(
        plan_id="plan-1", match_id=match_id, coordinator_id="user-bram", coordinator_kind="professional", recipients=[]
    )

    keep_match_in_step(new_event(change))

    view = api.call("anna", "GET", "/signals/matches").body["items"][0]
    assert view["coordinator"]["contact"]["name"] == "Bram Bakker"
    assert view["follow_up"] == "done"

    parent = PlanCoordinatorChanged(
        plan_id="plan-1", match_id=match_id, coordinator_id="user-eva", coordinator_kind="parent", recipients=[]
    )
    keep_match_in_step(new_event(parent))
    view = api.call("anna", "GET", "/signals/matches").body["items"][0]
    assert view["coordinator"] is None
    assert view["coordinator_outside_match"] is True


@pytest.mark.parametrize("who", ["dirk", "hanna"])
def test_statistics_count_and_hide_small_cells(api: Api, who: str) -> None:
    for n in range(6):
        api.register("anna", bsn(20 + n))
    api.register("bram", bsn(20))

    reply = api.call(who, "GET", "/signals/statistics", query={"from": "2026-03-01", "to": "2026-03-31"})

    assert reply.status == 200, reply.body
    cells = {c["key"]: c["count"] for c in reply.body["signals_per_domain"]}
    assert cells == {"youth_health_care": "6", "education": "<5"}
    assert reply.body["matches_per_kind"] == [{"key": "youth", "count": "<5"}]
    assert reply.body["signals_per_municipality"] == [{"key": "GM0014 Groningen", "count": "7"}]


def test_statistics_refuse_a_bad_period_and_professionals(api: Api) -> None:
    assert (
        api.call("dirk", "GET", "/signals/statistics", query={"from": "2026-03-31", "to": "2026-03-01"}).status == 422
    )
    assert api.call("dirk", "GET", "/signals/statistics", query={"from": "2026-03-31"}).status == 422
    assert (
        api.call("anna", "GET", "/signals/statistics", query={"from": "2026-03-01", "to": "2026-03-31"}).status == 403
    )


def test_access_request_lists_signalling_organisations_and_the_logbook(api: Api) -> None:
    matched(api)

    reply = api.call("dirk", "GET", "/signals/subject-requests", query={"bsn": YOUTH})

    assert reply.status == 200, reply.body
    assert sorted(s["organization"] for s in reply.body["signals"]) == ["demo-jgz-groningen", "demo-school-groningen"]
    events = [e["event"] for e in reply.body["logbook"]]
    assert events.count("signalled") == 2
    assert "match notice sent" in events
    assert api.call("wim", "GET", "/signals/subject-requests", query={"bsn": YOUTH}).body["signals"] == []
    assert api.call("anna", "GET", "/signals/subject-requests", query={"bsn": YOUTH}).status == 403
    assert api.call("dirk", "GET", "/signals/subject-requests", query={"bsn": "123"}).status == 422


def test_erasure_after_objection_removes_active_and_archived_signals_without_archive(api: Api) -> None:
    _, anna, _ = matched(api)
    api.call("anna", "POST", f"/signals/{anna['id']}/withdraw", {"reason": "risk_resolved"})

    reply = api.call("dirk", "POST", "/signals/subject-requests/erase", {"bsn": YOUTH})

    assert reply.body == {"erased_signals": 2}
    assert not [
        i for i in table_items(api.region) if i["entity"]["S"] in ("signal", "key-entry", "archived-entry", "party")
    ]
    assert api.register("carla", YOUTH).body["historical_match_id"] is None
    assert len(outbox(api.region, "SignalPurged")) == 2
    assert api.call("dirk", "GET", "/signals/subject-requests", query={"bsn": YOUTH}).body["signals"] != []  # carla's


def test_plan_coordinator_event_from_the_queue_takes_effect_once(api: Api) -> None:
    from services.shared.audit import AuditEntry
    from services.signals.handlers.plan_coordinator import handler as consumer

    match_id, _, _ = matched(api)
    event = new_event(
        PlanCoordinatorChanged(
            plan_id="plan-1",
            match_id=match_id,
            coordinator_id="user-bram",
            coordinator_kind="professional",
            recipients=[],
        )
    )
    batch = sqs_batch(event, queue="signals-plan-coordinator")
    record = batch["Records"][0]

    first = consumer({"Records": [record]}, LambdaContext())
    second = consumer({"Records": [{**record, "messageId": "m-2"}]}, LambdaContext())  # delivered again

    assert first == second == {"batchItemFailures": []}
    assert len([e for e in AuditEntry.scan() if e.event == "match.coordinator.plan"]) == 1  # one youth, once
    view = api.call("anna", "GET", "/signals/matches").body["items"][0]
    assert view["coordinator"]["contact"]["name"] == "Bram Bakker"
