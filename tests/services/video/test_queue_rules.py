"""The roster, presence, race-free assignment, service levels and the Chime meeting events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.services.video.conftest import OWN, PARTNER, World

EVENING = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # 22:00 Dutch time


# -- roster ---------------------------------------------------------------------------------------------------------
def test_the_roster_replaces_a_day_and_shows_who_is_on(world: World) -> None:
    roster = world.roster(PARTNER, date(2026, 12, 1), ("gert", EVENING, EVENING + timedelta(hours=10)))
    assert [(s["nurse"], s["on_duty_now"], s["channels"]) for s in roster["shifts"]] == [
        ("gert.nacht", True, ["chat", "callback", "video"])
    ]
    again = world.roster(PARTNER, date(2026, 12, 1), ("gerda", EVENING, EVENING + timedelta(hours=4)), who="paul")
    assert [s["nurse"] for s in again["shifts"]] == ["gerda"]  # the day's roster was replaced
    seen = world.ok("gert", "GET", "/video/roster?date=2026-12-01")
    assert [(s["nurse"], s["on_duty_now"]) for s in seen["shifts"]] == [("gerda", False)]
    assert world.ok("hanna", "GET", f"/video/roster?date=2026-12-01&organization={PARTNER}")["shifts"]
    assert world.call("femke", "GET", f"/video/roster?date=2026-12-01&organization={PARTNER}").status == 403
    assert world.ok("femke", "GET", "/video/roster?date=2026-12-01")["shifts"] == []  # her own organisation's
    assert world.call("eva", "GET", "/video/roster?date=2026-12-01").status == 403
    assert world.call("eva", "GET", "/video/roster?date=01-12-2026").status == 422


@pytest.mark.parametrize(
    ("who", "shift", "status", "field"),
    [
        ("petra", {}, 403, None),  # a planner of another organisation
        ("gert", {}, 403, None),  # a nurse does not plan
        ("hanna", {"nurse": "femke.jgz"}, 422, "shifts[0].nurse"),  # not a nurse of this organisation
        ("hanna", {"nurse": "nobody"}, 422, "shifts[0].nurse"),
        ("hanna", {"start": "2026-12-02T21:00:00+00:00", "end": "2026-12-03T05:00:00+00:00"}, 422, "shifts[0].start"),
        ("hanna", {"end": "2026-12-01T20:00:00+00:00"}, 422, None),  # ends before it starts
        ("hanna", {"end": "2026-12-02T20:00:00+00:00"}, 422, None),  # 23 hours
        ("hanna", {"channels": []}, 422, None),
        ("hanna", {"channels": ["fax"]}, 422, None),
        ("hanna", {"languages": ["tr"]}, 422, "shifts[0].languages"),  # not a language of the region
        ("hanna", {"start": "2026-12-01T21:00:00"}, 422, None),  # no time zone
    ],
)
def test_a_roster_that_is_not_right_is_refused_and_changes_nothing(
    world: World, who: str, shift: dict[str, Any], status: int, field: str | None
) -> None:
    body = {
        "organization": PARTNER, "date": "2026-12-01",
        "shifts": [{"nurse": "gert.nacht", "start": EVENING.isoformat(),
                    "end": (EVENING + timedelta(hours=10)).isoformat(), "channels": ["chat"], **shift}],
    }  # fmt: skip
    reply = world.call(who, "PUT", "/video/roster/shifts", body)
    assert reply.status == status, reply
    if field:
        assert reply.body["details"]["field"] == field
    assert world.items("shift") == []


def test_overlapping_shifts_of_one_nurse_and_unknown_organisations_are_refused(world: World) -> None:
    overlap = world.call(
        "hanna", "PUT", "/video/roster/shifts",
        {"organization": PARTNER, "date": "2026-12-01", "shifts": [
            {"nurse": "gert.nacht", "start": (EVENING - timedelta(hours=4)).isoformat(), "end": EVENING.isoformat(),
             "channels": ["chat"]},
            {"nurse": "gert.nacht", "start": (EVENING - timedelta(hours=1)).isoformat(),
             "end": (EVENING + timedelta(hours=1)).isoformat(), "channels": ["video"]},
        ]},
    )  # fmt: skip
    assert overlap.status == 422 and overlap.body["details"]["field"] == "shifts"
    school = world.call(
        "hanna",
        "PUT",
        "/video/roster/shifts",
        {"organization": "demo-school-groningen", "date": "2026-12-01", "shifts": []},
    )
    assert school.status == 422 and school.body["details"]["field"] == "organization"
    assert world.items("shift") == []


def test_presence_is_capped_by_the_region_maximum_and_only_for_nurses(world: World) -> None:
    world.roster(PARTNER, date(2026, 12, 1), ("gert", EVENING, EVENING + timedelta(hours=10)))
    presence = world.ok("gert", "PUT", "/video/presence", {"status": "available", "capacity": 8})
    assert (presence["capacity"], presence["limit"], presence["on_duty"]) == (8, 3, True)
    assert world.call("gert", "PUT", "/video/presence", {"status": "asleep"}).status == 422
    assert world.call("gert", "PUT", "/video/presence", {"status": "available", "capacity": 0}).status == 422
    assert world.call("eva", "PUT", "/video/presence", {"status": "available"}).status == 403
    assert world.call("anna", "PUT", "/video/presence", {"status": "available"}).status == 403
    heartbeat = world.ok("gert", "PUT", "/video/presence", {"status": "available"})
    assert heartbeat["capacity"] == 8  # a heartbeat keeps the capacity


# -- race-free assignment -------------------------------------------------------------------------------------------
def test_two_nurses_taking_the_same_contact_at_once_one_gets_it(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic interleaving: Gerda's whole accept runs between Gert's read of the contact and his write."""
    world.on_duty("gert", "gerda", status="busy")  # nobody available: the contact waits in the queue
    contact = world.ask()
    assert contact["status"] == "waiting"

    from services.video.dal import repository

    real_get = repository.get_contact
    interleaved: list[int] = []
    started: list[bool] = []

    def get_then_let_gerda_in(contact_id: str) -> Any:
        seen = real_get(contact_id)
        if not started:
            started.append(True)
            interleaved.append(world.call("gerda", "POST", f"/video/contacts/{contact_id}/accept").status)
        return seen

    monkeypatch.setattr(repository, "get_contact", get_then_let_gerda_in)
    lost = world.call("gert", "POST", f"/video/contacts/{contact['id']}/accept")
    monkeypatch.setattr(repository, "get_contact", real_get)

    assert interleaved == [200]
    assert lost.status == 409 and lost.body["code"] == "contact_taken"
    assert world.presence("gert")["active"]["N"] == "0"  # his reservation went with his transaction
    assert world.presence("gerda")["active"]["N"] == "1"
    stored = world.ok("eva", "GET", f"/video/contacts/{contact['id']}")
    assert stored["status"] == "active"
    assert len(world.published("ContactAccepted")) == 1


def test_two_dispatchers_offering_the_same_contact_offer_it_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic interleaving of two dispatches (a sweeper and a heartbeat): the second works from a stale
    queue and loses its transaction; the contact is offered once and no nurse is counted twice."""
    world.on_duty("gert", "gerda", status="busy")
    contact = world.ask()
    from services.video.dal import repository
    from services.video.logic import dispatch

    real_queue = repository.queue
    stale: list[Any] = []

    def queue_then_race(organization: str, limit: int = 100) -> Any:
        found = real_queue(organization, limit)
        if not stale:
            stale.append(found)
            dispatch.dispatch(organization, world.clock.now())  # the other dispatcher, on the same snapshot
        return found

    world.ok("gert", "PUT", "/video/presence", {"status": "available"})  # no dispatch yet: patch first
    world.ok("gerda", "PUT", "/video/presence", {"status": "available"})
    # gert got the offer through his heartbeat; put it back to waiting for a clean race
    assert world.published("ContactOffered")
    world.clock.advance(timedelta(seconds=31))
    for nurse in ("gert", "gerda"):
        world.ok(nurse, "PUT", "/video/presence", {"status": "busy"})
    monkeypatch.setattr(repository, "queue", queue_then_race)
    dispatch.dispatch(PARTNER, world.clock.now())
    monkeypatch.setattr(repository, "queue", real_queue)
    assert world.ok("eva", "GET", f"/video/contacts/{contact['id']}")["status"] in ("waiting", "offered")
    actives = sorted(int(world.presence(n)["active"]["N"]) for n in ("gert", "gerda"))
    offered_now = world.ok("eva", "GET", f"/video/contacts/{contact['id']}")["status"] == "offered"
    assert sum(actives) == (1 if offered_now else 0)


# -- service levels -------------------------------------------------------------------------------------------------
def test_a_contact_waiting_past_its_target_is_escalated_once_and_measured(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.on_duty("gert", status="busy")
    urgent = world.ask(urgency="urgent")
    normal = world.ask("piet")
    world.clock.advance(timedelta(seconds=31))  # urgent target 30 s, normal 120 s
    first = world.sweep()
    assert first["escalated"] == 1 and first["waiting"] == 2
    (late,) = world.published("ContactWaitingTooLong")
    assert late["contact_id"] == urgent["id"] and late["waited_seconds"] == 31
    assert late["recipients"] == [world.users["gert"]]  # the nurse on duty, who is also the partner's team lead
    world.clock.advance(timedelta(seconds=90))
    second = world.sweep()
    assert second["escalated"] == 1  # the normal one now; the urgent one is not told twice
    assert [e["contact_id"] for e in world.published("ContactWaitingTooLong")] == [urgent["id"], normal["id"]]
    out = capsys.readouterr().out
    assert '"LongestWaitSeconds"' in out and '"organization": "demo-nacht-noord"' in out.replace('":"', '": "')


def test_metrics_of_answered_and_abandoned_contacts(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    world.on_duty("gert")
    contact = world.ask(urgency="urgent")
    world.clock.advance(timedelta(seconds=45))
    world.ok("gert", "POST", f"/video/contacts/{contact['id']}/accept")
    other = world.ask("piet")
    world.ok("piet", "POST", f"/video/contacts/{other['id']}/cancel")
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    values = {(name, r["organization"]): r[name] for r in records for name in r if name.startswith("Contacts")}
    assert values[("ContactsAnswered", PARTNER)] in (1.0, [1.0])
    assert values[("ContactsAnsweredWithinTarget", PARTNER)] in (0.0, [0.0])  # 45 s for an urgent contact: late
    assert values[("ContactsAbandoned", PARTNER)] in (1.0, [1.0])


# -- meeting events -------------------------------------------------------------------------------------------------
def test_a_meeting_that_ends_by_itself_closes_the_video_session(world: World) -> None:
    world.on_duty("gert")
    contact = world.ask()
    world.ok("gert", "POST", f"/video/contacts/{contact['id']}/accept")
    world.ok("gert", "POST", f"/video/contacts/{contact['id']}/video", status=201)
    meeting_id = world.ok("eva", "GET", f"/video/contacts/{contact['id']}/join")["Meeting"]["MeetingId"]
    ignored = world.meeting_event({"eventType": "chime:MeetingEnded", "meetingId": "other", "externalMeetingId": "x"})
    assert ignored == {"batchItemFailures": []}
    result = world.meeting_event(
        {"eventType": "chime:MeetingEnded", "meetingId": meeting_id, "externalMeetingId": contact["id"]}
    )
    assert result == {"batchItemFailures": []}
    video = world.ok("eva", "GET", f"/video/contacts/{contact['id']}")["video"]
    assert video["active"] is False and video["ended_at"] is not None
    # the nurse can start a new meeting (the next attempt) from the same chat
    again = world.ok("gert", "POST", f"/video/contacts/{contact['id']}/video", status=201)
    assert again["video"]["active"] is True
    assert world.ok("eva", "GET", f"/video/contacts/{contact['id']}/join")["Meeting"]["MeetingId"] != meeting_id


# -- audit and input ------------------------------------------------------------------------------------------------
def test_every_read_and_write_of_a_contact_is_audited(world: World) -> None:
    world.on_duty("gert")
    contact = world.ask()
    world.ok("gert", "GET", "/video/queue")
    world.ok("gert", "POST", f"/video/contacts/{contact['id']}/accept")
    world.ok("eva", "POST", f"/video/contacts/{contact['id']}/messages", {"text": "hallo"}, status=201)
    world.ok("gert", "GET", f"/video/contacts/{contact['id']}/messages")
    world.ok("eva", "GET", "/video/contacts/mine")
    world.ok("gert", "POST", f"/video/contacts/{contact['id']}/end", {"outcome": "advice"})
    about_eva = world.audit(client=world.users["eva"])
    events = {(r["event"]["S"], r["user_id"]["S"]) for r in about_eva}
    gert, eva = world.users["gert"], world.users["eva"]
    assert {
        ("contact.create", eva), ("contact.offer", "system:video-dispatch"), ("queue.read", gert),
        ("contact.accept", gert), ("contact.message.create", eva), ("contact.message.read", gert),
        ("contact.list", eva), ("contact.end", gert), ("contact.handover", gert),
    } <= events  # fmt: skip
    assert all(f"contact:{contact['id']}" in [o["S"] for o in r["objects"]["L"]] for r in about_eva)


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "chat", "topic": "my baby has a fever"},  # topics are codes, never free text
        {"channel": "fax", "topic": "crying"},
        {"channel": "callback", "topic": "crying"},  # no phone number
        {"channel": "chat", "topic": "crying", "callback_phone": "+31612345678"},
        {"channel": "callback", "topic": "crying", "callback_phone": "0612345678"},
        {"channel": "chat", "topic": "crying", "child_age_months": -1},
        {"channel": "chat", "topic": "crying", "language": "tr"},
        {"channel": "chat", "topic": "crying", "urgency": "panic"},
        {"channel": "chat", "topic": "crying", "name": "Eva"},
    ],
)
def test_a_contact_request_that_is_not_right_is_refused_and_changes_nothing(world: World, body: Any) -> None:
    assert world.call("eva", "POST", "/video/contacts", body).status == 422
    assert world.items("contact") == [] and world.items("outbox") == []


def test_only_parents_ask_and_only_nurses_answer(world: World) -> None:
    world.on_duty("gert")
    assert world.call("anna", "POST", "/video/contacts", {"channel": "chat", "topic": "crying"}).status == 403
    contact = world.ask()
    assert world.call("eva", "POST", f"/video/contacts/{contact['id']}/accept").status == 403
    assert world.call("femke", "POST", f"/video/contacts/{contact['id']}/accept").status == 404  # other organisation
    assert world.call("gert", "POST", "/video/contacts/con-0000000000000000/accept").status == 404
    assert world.call("gert", "POST", "/video/contacts/not-an-id/accept").status == 404
    assert world.call("eva", "GET", "/video/queue").status == 403
    assert world.items("contact")[0]["queue_org"]["S"] == PARTNER
    assert OWN not in {i["queue_org"]["S"] for i in world.items("contact")}
