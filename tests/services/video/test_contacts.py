"""The 24/7 contact end to end in-process: routing, offers, accepting, the chat, video, ending and the handover."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.services.video.conftest import OWN, PARTNER, World


def test_a_night_chat_goes_to_the_partner_and_is_offered_to_the_nurse_on_duty(world: World) -> None:
    world.on_duty("gert")
    contact = world.ask(urgency="urgent", child_age_months=2)
    assert contact["organization"] == PARTNER
    assert contact["routed"] == "out_of_hours"
    assert contact["status"] == "offered"
    assert contact["queue_position"] == 1
    assert contact["expected_wait_seconds"] == 0
    queue = world.ok("gert", "GET", "/video/queue")
    assert [(e["id"], e["offered_to_you"], e["topic"], e["child_age_months"]) for e in queue["entries"]] == [
        (contact["id"], True, "crying", 2)
    ]
    assert set(queue["entries"][0]) == {
        "id", "channel", "topic", "urgency", "language", "child_age_months", "waiting_seconds", "status",
        "offered_to_you", "offer_expires_at",
    }  # fmt: skip
    offered = world.published("ContactOffered")
    assert [(o["contact_id"], o["recipients"]) for o in offered] == [(contact["id"], [world.users["gert"]])]

    twice = world.call("eva", "POST", "/video/contacts", {"channel": "chat", "topic": "crying"})
    assert twice.status == 409 and twice.body["details"] == {"contact_id": contact["id"]}
    world.clock.advance(timedelta(seconds=12))
    accepted = world.ok("gert", "POST", f"/video/contacts/{contact['id']}/accept")
    assert accepted["status"] == "active" and accepted["you_are"] == "nurse"
    assert world.published("ContactAccepted")[0] == {
        "contact_id": contact["id"], "nurse_id": world.users["gert"], "waited_seconds": 12,
        "recipients": [world.users["eva"]],
    }  # fmt: skip
    assert world.ok("gert", "GET", "/video/queue")["entries"] == []
    assert world.presence("gert")["active"]["N"] == "1"
    mine = world.ok("eva", "GET", "/video/contacts/mine")["contacts"]
    assert [(c["id"], c["status"], c["you_are"]) for c in mine] == [(contact["id"], "active", "parent")]
    assert [c["id"] for c in world.ok("gert", "GET", "/video/contacts/mine")["contacts"]] == [contact["id"]]


def test_in_office_hours_the_own_organisation_answers_and_overflows_when_nobody_is_on_duty(world: World) -> None:
    world.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))  # Wed 10:00 in Groningen
    overflow = world.ask()
    assert (overflow["organization"], overflow["routed"]) == (PARTNER, "overflow")
    assert overflow["notice"] and "bezet" in overflow["notice"]
    assert overflow["expected_wait_seconds"] is None  # nobody on duty at the partner either

    start = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    world.roster(OWN, date(2026, 12, 2), ("femke", start, start + timedelta(hours=9)))
    world.ok("femke", "PUT", "/video/presence", {"status": "available"})
    own = world.ask("piet")
    assert (own["organization"], own["routed"], own["status"]) == (OWN, "office_hours", "offered")


def test_a_nurse_at_capacity_is_never_offered_more_and_the_next_nurse_gets_it(world: World) -> None:
    world.on_duty("gert", capacity=1)
    first = world.ask()
    assert first["status"] == "offered"
    world.clock.advance(timedelta(seconds=5))
    second = world.ask("piet")
    assert second["status"] == "waiting" and second["queue_position"] == 2
    assert world.presence("gert")["active"]["N"] == "1"
    refused = world.call("gert", "POST", f"/video/contacts/{second['id']}/accept")
    assert refused.status == 409 and refused.body["code"] == "at_capacity"
    world.on_duty("gert", "gerda", capacity=1)  # gerda comes on duty (the roster for the night now has both)
    assert world.ok("piet", "GET", f"/video/contacts/{second['id']}")["status"] == "offered"
    offered = world.published("ContactOffered")
    assert [o["recipients"] for o in offered] == [[world.users["gert"]], [world.users["gerda"]]]
    assert world.presence("gert")["active"]["N"] == "1"


def test_an_offer_not_accepted_in_time_goes_to_the_next_nurse(world: World) -> None:
    world.on_duty("gert", "gerda")
    world.ok("gerda", "PUT", "/video/presence", {"status": "busy"})
    contact = world.ask()
    assert world.published("ContactOffered")[0]["recipients"] == [world.users["gert"]]
    world.ok("gerda", "PUT", "/video/presence", {"status": "available"})
    world.clock.advance(timedelta(seconds=31))
    world.ok("gert", "PUT", "/video/presence", {"status": "available"})  # heartbeats keep both present
    world.ok("gerda", "PUT", "/video/presence", {"status": "available"})
    world.sweep()
    offers = world.published("ContactOffered")
    assert [o["recipients"] for o in offers] == [[world.users["gert"]], [world.users["gerda"]]]
    assert world.presence("gert")["active"]["N"] == "0"
    assert world.presence("gerda")["active"]["N"] == "1"
    late = world.call("gert", "POST", f"/video/contacts/{contact['id']}/accept")
    assert late.status == 409 and late.body["code"] == "contact_offered_elsewhere"
    assert world.ok("gerda", "POST", f"/video/contacts/{contact['id']}/accept")["status"] == "active"


def test_a_nurse_without_heartbeat_counts_as_away_and_gets_no_offer(world: World) -> None:
    world.on_duty("gert")
    world.clock.advance(timedelta(seconds=91))  # presence timeout 90 s in the Groningen config
    contact = world.ask()
    assert contact["status"] == "waiting"
    assert contact["routed"] == "out_of_hours"
    assert world.published("ContactOffered") == []


def test_the_chat_is_for_the_parent_and_the_nurse_only(world: World) -> None:
    world.on_duty("gert", "gerda")
    world.ok("gerda", "PUT", "/video/presence", {"status": "busy"})
    contact = world.ask()
    path = f"/video/contacts/{contact['id']}/messages"
    first = world.ok("eva", "POST", path, {"text": "Mijn baby huilt al twee uur"}, status=201)
    assert world.call("gert", "POST", path, {"text": "Hallo"}).status == 404  # not theirs until accepted
    world.ok("gert", "POST", f"/video/contacts/{contact['id']}/accept")
    world.clock.advance(timedelta(seconds=20))
    reply = world.ok("gert", "POST", path, {"text": "Ik ben Gert, vertel eens"}, status=201)
    everything = world.ok("eva", "GET", path)
    assert [(m["sender"], m["mine"]) for m in everything["messages"]] == [("parent", True), ("nurse", False)]
    newer = world.ok("gert", "GET", f"{path}?after={first['id']}")
    assert [m["id"] for m in newer["messages"]] == [reply["id"]]
    assert world.ok("gert", "GET", f"{path}?after={reply['id']}") == {"messages": [], "after": reply["id"]}
    for outsider in ("piet", "gerda", "femke", "anna", "hanna"):
        assert world.call(outsider, "GET", path).status in (403, 404), outsider
        assert world.call(outsider, "POST", path, {"text": "x"}).status in (403, 404), outsider
        assert world.call(outsider, "GET", f"/video/contacts/{contact['id']}").status in (403, 404), outsider
    assert world.call("femke", "GET", "/video/queue").body["entries"] == []  # another organisation's queue
    assert world.call("eva", "GET", f"{path}?after=nonsense").status == 422
    assert world.call("eva", "POST", path, {"text": ""}).status == 422
    # messages expire with the region's transcript period
    kept = world.region.config.retention.chat_transcript_days
    messages = world.items("message")
    assert len(messages) == 2
    for m in messages:
        sent = datetime.fromisoformat(m["sent_at"]["S"])
        assert int(m["expires_at"]["N"]) == int((sent + timedelta(days=kept)).timestamp())
    denied = world.audit(event="contact.message.read", outcome="denied")
    assert {d["user_id"]["S"] for d in denied} >= {world.users["piet"], world.users["gerda"]}


def test_video_gives_each_party_only_their_own_join_data_and_ending_revokes_it(world: World) -> None:
    world.on_duty("gert")
    contact = world.ask()
    cid = contact["id"]
    assert world.call("eva", "POST", f"/video/contacts/{cid}/video").status == 403  # nurses start video
    world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    started = world.ok("gert", "POST", f"/video/contacts/{cid}/video", status=201)
    assert started["video"]["active"] is True
    again = world.ok("gert", "POST", f"/video/contacts/{cid}/video", status=200)
    assert again["video"] == started["video"]
    assert [v["contact_id"] for v in world.published("VideoStarted")] == [cid]

    eva = world.ok("eva", "GET", f"/video/contacts/{cid}/join")
    gert = world.ok("gert", "GET", f"/video/contacts/{cid}/join")
    assert eva["Meeting"]["MeetingId"] == gert["Meeting"]["MeetingId"]
    assert eva["Meeting"]["ExternalMeetingId"] == cid
    assert eva["Attendee"]["ExternalUserId"] == world.users["eva"]
    assert gert["Attendee"]["ExternalUserId"] == world.users["gert"]
    assert eva["Attendee"]["JoinToken"] != gert["Attendee"]["JoinToken"]
    assert world.ok("eva", "GET", f"/video/contacts/{cid}/join")["Attendee"] == eva["Attendee"]
    for outsider in ("piet", "gerda", "femke"):
        assert world.call(outsider, "GET", f"/video/contacts/{cid}/join").status == 404, outsider

    from services.video.logic.meetings import LocalMeetings

    meeting_id = eva["Meeting"]["MeetingId"]
    ended = world.ok("gert", "POST", f"/video/contacts/{cid}/end", {"outcome": "referral", "referral_to": "own_jgz"})
    assert ended["status"] == "ended" and ended["video"]["active"] is False
    assert LocalMeetings().get_meeting(meeting_id) is None  # deleted: every join token is revoked
    gone = world.call("eva", "GET", f"/video/contacts/{cid}/join")
    assert gone.status == 409 and gone.body["code"] == "no_video"
    assert world.presence("gert")["active"]["N"] == "0"


def test_ending_with_a_referral_hands_over_to_the_own_jgz_team_without_the_conversation(world: World) -> None:
    world.on_duty("gert")
    contact = world.ask(channel="callback", callback_phone="+31612345678", topic="sleep")
    cid = contact["id"]
    world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    assert world.ok("gert", "GET", f"/video/contacts/{cid}")["callback_phone"] == "+31612345678"
    assert world.ok("eva", "GET", f"/video/contacts/{cid}")["callback_phone"] is None
    assert world.call("gert", "POST", f"/video/contacts/{cid}/video").body["code"] == "video_not_for_callback"
    world.clock.advance(timedelta(minutes=14))
    bad = world.call("gert", "POST", f"/video/contacts/{cid}/end", {"outcome": "referral"})
    assert bad.status == 422
    assert world.call("eva", "POST", f"/video/contacts/{cid}/end", {"outcome": "advice"}).status == 403
    world.ok("gert", "POST", f"/video/contacts/{cid}/end", {"outcome": "referral", "referral_to": "gp"})
    (handover,) = world.published("ContactHandover")
    assert handover["organization"] == OWN
    assert sorted(handover["recipients"]) == sorted([world.users["femke"], world.users["anna"]])
    assert (handover["topic"], handover["outcome"], handover["referral_to"]) == ("sleep", "referral", "gp")
    assert set(handover) == {
        "contact_id", "organization", "topic", "outcome", "referral_to", "requested_at", "ended_at", "recipients",
    }  # fmt: skip
    (ended,) = world.published("ContactEnded")
    assert (ended["outcome"], ended["duration_seconds"], ended["recipients"]) == (
        "referral", 14 * 60, [world.users["eva"]],
    )  # fmt: skip
    stored = world.ok("eva", "GET", f"/video/contacts/{cid}")
    assert stored["status"] == "ended" and stored["outcome"] == "referral"
    assert '"callback_phone":null' in world.items("contact")[0]["document"]["S"]  # gone once ended
    assert world.call("gert", "POST", f"/video/contacts/{cid}/end", {"outcome": "advice"}).status == 409


def test_an_office_hours_contact_with_advice_sends_no_handover(world: World) -> None:
    world.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    start = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    world.roster(OWN, date(2026, 12, 2), ("femke", start, start + timedelta(hours=9)))
    world.ok("femke", "PUT", "/video/presence", {"status": "available"})
    contact = world.ask()
    world.ok("femke", "POST", f"/video/contacts/{contact['id']}/accept")
    world.ok("femke", "POST", f"/video/contacts/{contact['id']}/end", {"outcome": "advice"})
    assert world.published("ContactHandover") == []


def test_the_parent_may_stop_waiting(world: World) -> None:
    world.on_duty("gert")
    contact = world.ask()
    cancelled = world.ok("eva", "POST", f"/video/contacts/{contact['id']}/cancel")
    assert cancelled["status"] == "abandoned"
    assert world.published("ContactAbandoned")[0]["recipients"] == [world.users["gert"]]
    assert world.presence("gert")["active"]["N"] == "0"
    assert world.call("eva", "POST", f"/video/contacts/{contact['id']}/cancel").status == 409
    assert world.ask()["status"] == "offered"  # after cancelling she may ask again
    assert world.call("piet", "POST", f"/video/contacts/{contact['id']}/cancel").status == 404
