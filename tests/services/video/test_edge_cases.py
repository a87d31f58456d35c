"""The 24/7 contact at its edges (from a hostile review): odd input, outsiders, the nurse's count through every
turn, races a parent or a nurse can cause, nurses who vanish, closing time, retention and what traces keep."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.services.conftest import LambdaContext, api_event, claims
from tests.services.video.conftest import OWN, PARTNER, PEOPLE, World, username

EVENING = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # 22:00 Dutch time


def raw(
    world: World,
    who: str,
    method: str,
    path: str,
    *,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """Like ``World.call``, but with the body, headers and query string exactly as given."""
    from services.video.handlers.api import handler

    groups, organisation, municipality = PEOPLE[who]
    who_claims = claims(sub=world.users[who], **{"cognito:username": username(who), "cognito:groups": groups})
    who_claims.pop("custom:organization", None)
    if organisation:
        who_claims["custom:organization"] = organisation
    if municipality:
        who_claims["custom:municipality"] = municipality
    event = api_event(method, path, claims_=who_claims, raw_body=raw_body, headers=headers)
    if query is not None:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    response = handler(event, LambdaContext())
    text = response.get("body")
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    return response["statusCode"], body


def offered_to(world: World, contact_id: str) -> str:
    """The user name (in the World) the contact is offered to now, as stored (events of one instant have no order)."""
    [item] = [i for i in world.items("contact") if i["pk"]["S"] == f"CONTACT#{contact_id}"]
    nurse = json.loads(item["document"]["S"])["offered_to"]
    return next(who for who, sub in world.users.items() if sub == nurse)


def active(world: World, who: str) -> int:
    return int(world.presence(who)["active"]["N"])


# -- 1. input never gives a 5xx -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw_body", "headers"),
    [
        ("[" * 30000, None),  # deeply nested JSON, within the 64 KiB body limit
        ("{" * 30000, None),
        ("null", None),
        ("[]", None),
        ('"chat"', None),
        ("1", None),
        ('{"channel": "chat", "topic": "crying", "child_age_months": 1e400}', None),
        ('{"channel": "chat", "topic": "crying", "child_age_months": NaN}', None),
        ('{"channel": "chat", "topic": ["crying"]}', None),
        ('{"channel": "chat", "topic": "crying"}', {"content-type": "text/plain"}),
        ("channel=chat&topic=crying", {"content-type": "application/x-www-form-urlencoded"}),
    ],
)
def test_odd_request_bodies_are_refused_with_a_4xx(world: World, raw_body: str, headers: dict[str, str] | None) -> None:
    status, body = raw(world, "eva", "POST", "/video/contacts", raw_body=raw_body, headers=headers)
    assert 400 <= status < 500, (status, body)


def test_odd_unicode_in_a_message_is_stored_or_refused_never_a_5xx(world: World) -> None:
    world.on_duty("gert")
    cid = world.ask()["id"]
    path = f"/video/contacts/{cid}/messages"
    assert world.call("eva", "POST", path, {"text": "\U0001f476" * 2000}).status == 201  # 2000 characters, 8000 bytes
    assert world.call("eva", "POST", path, {"text": "a\u0000b"}).status in (201, 422)
    assert world.call("eva", "POST", path, {"text": "\u202egoed\u200b"}).status == 201
    lone = world.call("eva", "POST", path, {"text": "half an emoji \ud83d"})  # not valid Unicode: DynamoDB refuses it
    assert lone.status == 422, lone
    assert world.call("eva", "GET", path).status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/video/contacts/CON-0123456789ABCDEF",
        "/video/contacts/con-0123456789abcdef/",
        "/video/contacts/con-0123456789abcdef0",
        "/video/contacts/con-6f1d2c3b-0000-4000-8000-000000000000",  # a uuid-style id (another deployment's format)
        "/video/contacts/" + "a" * 5000,
        "/video/contacts/con-0123456789abcdef/messages/x",
        "/video/contacts/%2e%2e",
        "/video/contacts/con-0123456789abcdef/join",
    ],
)
def test_malformed_contact_ids_answer_404(world: World, path: str) -> None:
    status, body = raw(world, "eva", "GET", path)
    assert status == 404, (status, body)


@pytest.mark.parametrize(
    "query",
    [
        {"date": "0001-01-01"},
        {"date": "9999-12-31"},
        {"date": "2026-02-30"},
        {"date": ""},
        {"date": "2026-12-01", "organization": ""},
        {"date": "2026-12-01", "organization": "x" * 5000},
        {"date": "2026-12-01", "organization": "ORG"},
    ],
)
def test_odd_roster_queries_answer_422(world: World, query: dict[str, str]) -> None:
    status, body = raw(world, "hanna", "GET", "/video/roster", query=query)
    assert status == 422, (status, body)


def test_odd_after_cursors_answer_4xx(world: World) -> None:
    world.on_duty("gert")
    cid = world.ask()["id"]
    for after in ("", "x" * 65, "20261202T020000000000Z-abcdef01\n", "MSG#", "\u0000"):
        status, body = raw(world, "eva", "GET", f"/video/contacts/{cid}/messages", query={"after": after})
        assert 400 <= status < 500 or status == 200, (after, status, body)


# -- 2. privacy: outsiders learn nothing ------------------------------------------------------------------------------
def test_nurses_of_the_other_organisation_and_outsiders_get_the_same_404_as_for_a_contact_that_does_not_exist(
    world: World,
) -> None:
    world.on_duty("gert")
    cid = world.ask(channel="callback", callback_phone="+31612345678")["id"]
    world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    missing = "con-0000000000000000"
    for who in ("femke", "fleur", "gerda", "piet", "anna", "hanna", "paul", "petra"):
        for method, suffix, body in (
            ("GET", "", None), ("GET", "/messages", None), ("GET", "/join", None),
            ("POST", "/messages", {"text": "hallo"}),
        ):  # fmt: skip
            real = world.call(who, method, f"/video/contacts/{cid}{suffix}", body)
            fake = world.call(who, method, f"/video/contacts/{missing}{suffix}", body)
            assert (real.status, real.body) == (fake.status, fake.body), (who, method, suffix)
            assert real.status in (403, 404), (who, method, suffix)
    assert "+31612345678" not in json.dumps(world.ok("femke", "GET", "/video/contacts/mine"))
    assert world.ok("femke", "GET", "/video/queue")["entries"] == []


def test_a_nurse_who_is_also_a_parent_never_answers_her_own_contact(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PEOPLE, "gert", ("nurse,parent", PARTNER, "GM0014"))
    world.on_duty("gert")
    cid = world.ask("gert")["id"]
    taken = world.call("gert", "POST", f"/video/contacts/{cid}/accept")
    if taken.status == 200:  # then at least he must be able to end it, or it blocks him and his slot for a month
        ended = world.call("gert", "POST", f"/video/contacts/{cid}/end", {"outcome": "advice"})
        assert ended.status == 200, ("accepted his own contact and cannot end it", ended)
    assert taken.status in (403, 409), taken
    assert world.users["gert"] not in [o["nurse_id"] for o in world.published("ContactOffered")]


def test_api_responses_are_not_copied_into_traces(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tracing is ACTIVE on every function; Powertools' capture_lambda_handler puts the whole response (chat text,
    callback phone, join tokens) in the X-Ray segment unless capture_response is off."""
    import os

    from services.shared import entrypoint as ep

    seen: dict[str, Any] = {}

    class Spy:
        def capture_lambda_handler(
            self, fn: Any = None, capture_response: Any = None, capture_error: Any = None
        ) -> Any:
            seen["capture_response"] = capture_response
            return fn

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "video-api")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    monkeypatch.setattr(ep, "tracer", lambda: Spy())

    @ep.entrypoint("probe")
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": "{}"}

    handler({}, LambdaContext())
    env = os.environ.get("POWERTOOLS_TRACER_CAPTURE_RESPONSE", "true").lower()
    assert seen["capture_response"] is False or env == "false", seen


def test_logs_and_events_carry_no_personal_data(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.on_duty("gert")
    cid = world.ask(channel="callback", callback_phone="+31687654321")["id"]
    world.ok("eva", "POST", f"/video/contacts/{cid}/messages", {"text": "Sanne heeft 39,5 koorts"}, status=201)
    world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    world.ok("gert", "GET", f"/video/contacts/{cid}/messages")
    world.call("eva", "POST", f"/video/contacts/{cid}/messages", {"text": "\ud83d Sanne"})
    world.ok("gert", "POST", f"/video/contacts/{cid}/end", {"outcome": "referral", "referral_to": "gp"})
    world.sweep()
    out = capsys.readouterr()
    events = json.dumps([i["envelope"]["S"] for i in world.items("outbox")])
    for secret in ("+31687654321", "Sanne", "koorts", "+31600000001", "anna@demo.jeugdketen.nl"):
        assert secret not in out.out and secret not in out.err, secret
        assert secret not in events, secret


# -- 3. capacity and the active count ----------------------------------------------------------------------------------
def test_the_active_count_follows_every_turn_and_capacity_is_never_exceeded(world: World) -> None:
    world.on_duty("gert", capacity=2)
    eva = world.ask()["id"]
    piet = world.ask("piet")["id"]
    assert active(world, "gert") == 2
    lowered = world.ok("gert", "PUT", "/video/presence", {"status": "available", "capacity": 1})
    assert (lowered["limit"], lowered["active"]) == (1, 2)  # lowered below what is held: nothing taken away
    world.ok("gert", "POST", f"/video/contacts/{eva}/accept")
    world.ok("piet", "POST", f"/video/contacts/{piet}/cancel")
    assert active(world, "gert") == 1
    assert world.call("gert", "POST", f"/video/contacts/{piet}/accept").status == 409  # accept after cancel
    world.ok("gert", "POST", f"/video/contacts/{eva}/end", {"outcome": "advice"})
    assert world.call("gert", "POST", f"/video/contacts/{eva}/end", {"outcome": "advice"}).status == 409
    assert active(world, "gert") == 0
    again = world.ask()
    assert again["status"] == "offered" and active(world, "gert") == 1
    assert world.ask("piet")["status"] == "waiting" and active(world, "gert") == 1  # limit 1


def test_an_accept_just_after_the_offer_ran_out_counts_once(world: World) -> None:
    world.on_duty("gert", "gerda")
    cid = world.ask()["id"]
    first = offered_to(world, cid)
    world.clock.advance(timedelta(seconds=31))
    for nurse in ("gert", "gerda"):
        world.ok(nurse, "PUT", "/video/presence", {"status": "available"})  # heartbeats dispatch: the offer moves
    second = offered_to(world, cid)
    assert second != first
    late = world.call(first, "POST", f"/video/contacts/{cid}/accept")
    assert late.status == 409
    world.ok(second, "POST", f"/video/contacts/{cid}/accept")
    world.sweep()
    assert (active(world, first), active(world, second)) == (0, 1)


def test_going_away_hands_an_offer_on_at_once(world: World) -> None:
    """A parent with an urgent question must not wait out the offer timeout of a nurse who just said she is away."""
    world.on_duty("gert", "gerda")
    cid = world.ask(urgency="urgent")["id"]
    first = offered_to(world, cid)
    other = "gerda" if first == "gert" else "gert"
    world.ok(first, "PUT", "/video/presence", {"status": "away"})
    assert offered_to(world, cid) == other
    assert active(world, first) == 0


def test_a_nurse_who_said_she_is_away_cannot_take_contacts(world: World) -> None:
    world.on_duty("gert", status="away")
    cid = world.ask()["id"]
    taken = world.call("gert", "POST", f"/video/contacts/{cid}/accept")
    assert taken.status == 409, taken


def test_a_nurse_whose_heartbeat_lapsed_is_told_why_she_cannot_accept(world: World) -> None:
    world.on_duty("gert", status="busy")
    cid = world.ask()["id"]
    world.clock.advance(timedelta(seconds=91))
    refused = world.call("gert", "POST", f"/video/contacts/{cid}/accept")
    assert refused.status == 409
    assert refused.body["code"] != "contact_taken", refused  # nobody took it: it is still waiting


def test_accepting_a_contact_the_parent_cancelled_says_it_ended(world: World) -> None:
    world.on_duty("gert", status="busy")
    cid = world.ask()["id"]
    world.ok("eva", "POST", f"/video/contacts/{cid}/cancel")
    refused = world.call("gert", "POST", f"/video/contacts/{cid}/accept")
    assert refused.status == 409 and refused.body["code"] != "contact_taken", refused


def test_two_first_heartbeats_at_once_do_not_fail(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The nurse's phone and desktop both send the first heartbeat; the second finds no presence yet when it reads."""
    world.roster(PARTNER, date(2026, 12, 1), ("gert", EVENING, EVENING + timedelta(hours=10)))
    world.ok("gert", "PUT", "/video/presence", {"status": "available"})
    from services.video.dal import repository

    real = repository.get_presence
    calls: list[str] = []

    def first_read_misses(user_id: str) -> Any:
        calls.append(user_id)
        return None if len(calls) == 1 else real(user_id)

    monkeypatch.setattr(repository, "get_presence", first_read_misses)
    reply = world.call("gert", "PUT", "/video/presence", {"status": "available"})
    assert reply.status == 200, reply


# -- 4. nobody stuck ------------------------------------------------------------------------------------------------
def test_two_taps_at_once_queue_the_family_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.on_duty("gert")
    from services.video.dal import repository

    real = repository.open_contact
    tapped: list[int] = []

    def second_tap_in_between(user_id: str) -> Any:
        found = real(user_id)
        if not tapped:
            tapped.append(0)
            tapped[0] = world.call("eva", "POST", "/video/contacts", {"channel": "chat", "topic": "crying"}).status
        return found

    monkeypatch.setattr(repository, "open_contact", second_tap_in_between)
    other = world.call("eva", "POST", "/video/contacts", {"channel": "chat", "topic": "crying"})
    monkeypatch.setattr(repository, "open_contact", real)
    assert sorted([tapped[0], other.status]) == [201, 409]
    assert len(world.items("contact")) == 1


def test_the_parent_may_stop_waiting_while_an_offer_is_being_made(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Heartbeats (every 30 s per nurse) and the sweeper dispatch all the time: a cancel must not lose to them."""
    world.on_duty("gert", status="busy")
    cid = world.ask()["id"]
    from services.video.dal import repository

    real = repository.get_contact
    raced: list[bool] = []

    def offer_in_between(contact_id: str) -> Any:
        seen = real(contact_id)
        if not raced:
            raced.append(True)
            world.ok("gert", "PUT", "/video/presence", {"status": "available"})  # dispatch offers it to gert
        return seen

    monkeypatch.setattr(repository, "get_contact", offer_in_between)
    cancelled = world.call("eva", "POST", f"/video/contacts/{cid}/cancel")
    monkeypatch.setattr(repository, "get_contact", real)
    assert cancelled.status == 200, cancelled
    assert world.ok("eva", "GET", f"/video/contacts/{cid}")["status"] == "abandoned"
    assert active(world, "gert") == 0


def test_an_offer_to_a_nurse_whose_app_died_goes_to_the_next_nurse_who_comes(world: World) -> None:
    world.on_duty("gert")
    cid = world.ask()["id"]
    world.clock.advance(timedelta(minutes=3))  # gert's app is gone: no heartbeat
    world.sweep()
    assert world.ok("eva", "GET", f"/video/contacts/{cid}")["status"] == "waiting"
    assert active(world, "gert") == 0
    world.on_duty("gert", "gerda")
    world.ok("gert", "PUT", "/video/presence", {"status": "away"})
    world.sweep()
    assert world.ok("eva", "GET", f"/video/contacts/{cid}")["status"] == "offered"


def test_a_slot_coming_free_offers_the_next_waiting_contact(world: World) -> None:
    world.on_duty("gert", capacity=1)
    first = world.ask()["id"]
    world.ok("gert", "POST", f"/video/contacts/{first}/accept")
    second = world.ask("piet")["id"]
    assert world.ok("piet", "GET", f"/video/contacts/{second}")["status"] == "waiting"
    world.ok("gert", "POST", f"/video/contacts/{first}/end", {"outcome": "advice"})
    assert world.ok("piet", "GET", f"/video/contacts/{second}")["status"] == "offered"


def test_the_parent_is_not_locked_out_when_her_nurse_vanishes(world: World) -> None:
    """Gert accepts, then his app dies and his shift ends without ending the chat. Hours later Eva needs help again."""
    world.on_duty("gert")
    cid = world.ask()["id"]
    world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    world.clock.advance(timedelta(hours=12))
    world.sweep()
    again = world.call("eva", "POST", "/video/contacts", {"channel": "chat", "topic": "illness"})
    if again.status == 409:  # at least she may close the dead conversation herself
        world.call("eva", "POST", f"/video/contacts/{cid}/cancel")
        again = world.call("eva", "POST", "/video/contacts", {"channel": "chat", "topic": "illness"})
    assert again.status == 201, again


def test_a_contact_left_in_the_own_queue_at_closing_time_goes_to_the_partner(world: World) -> None:
    world.clock.set(datetime(2026, 12, 2, 15, 55, tzinfo=UTC))  # Wed 16:55 in Groningen: office hours
    day = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    world.roster(OWN, date(2026, 12, 2), ("femke", day, day + timedelta(hours=9)))  # until 17:00
    world.ok("femke", "PUT", "/video/presence", {"status": "busy"})
    evening = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    world.roster(PARTNER, date(2026, 12, 2), ("gert", evening, evening + timedelta(hours=10)))
    contact = world.ask()
    assert (contact["organization"], contact["status"]) == (OWN, "waiting")
    world.clock.advance(timedelta(minutes=10))  # 17:05: nobody on duty at the own organisation any more
    world.ok("gert", "PUT", "/video/presence", {"status": "available"})
    world.sweep()
    now = world.ok("eva", "GET", f"/video/contacts/{contact['id']}")
    assert (now["organization"], now["status"]) == (PARTNER, "offered"), now


# -- 5. audit -------------------------------------------------------------------------------------------------------
def test_accepting_twice_is_audited_as_a_read(world: World) -> None:
    world.on_duty("gert")
    cid = world.ask(channel="callback", callback_phone="+31612345678")["id"]
    world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    before = len(world.audit(user_id=world.users["gert"], client=world.users["eva"]))
    again = world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    assert again["callback_phone"] == "+31612345678"  # personal data went out again...
    assert len(world.audit(user_id=world.users["gert"], client=world.users["eva"])) > before  # ...so it is audited


def test_outsiders_probing_a_contact_are_audited_as_denied_for_every_route(world: World) -> None:
    world.on_duty("gert")
    cid = world.ask()["id"]
    world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    world.call("gerda", "GET", f"/video/contacts/{cid}")
    world.call("gerda", "GET", f"/video/contacts/{cid}/join")
    world.call("gerda", "POST", f"/video/contacts/{cid}/video")
    world.call("gerda", "POST", f"/video/contacts/{cid}/end", {"outcome": "advice"})
    world.call("piet", "POST", f"/video/contacts/{cid}/cancel")
    denied = {(r["user_id"]["S"], r["event"]["S"]) for r in world.audit(outcome="denied")}
    gerda, piet = world.users["gerda"], world.users["piet"]
    assert {
        (gerda, "contact.read"), (gerda, "contact.video.join"), (gerda, "contact.video.start"),
        (gerda, "contact.end"), (piet, "contact.cancel"),
    } <= denied  # fmt: skip


# -- 6. retention ---------------------------------------------------------------------------------------------------
def test_the_transcript_and_the_contact_are_gone_after_the_region_period(world: World) -> None:
    """TTL deletion is best effort (days late on AWS, never on the local host): reads must not serve expired data."""
    world.on_duty("gert")
    cid = world.ask()["id"]
    world.ok("eva", "POST", f"/video/contacts/{cid}/messages", {"text": "hallo"}, status=201)
    world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    world.ok("gert", "POST", f"/video/contacts/{cid}/end", {"outcome": "advice"})
    kept = world.region.config.retention.chat_transcript_days
    world.clock.advance(timedelta(days=kept, hours=1))
    messages = world.call("eva", "GET", f"/video/contacts/{cid}/messages")
    assert messages.status == 404 or messages.body["messages"] == [], messages
    assert world.call("eva", "GET", f"/video/contacts/{cid}").status == 404
    assert world.ok("eva", "GET", "/video/contacts/mine")["contacts"] == []


def test_every_item_about_a_family_expires(world: World) -> None:
    world.on_duty("gert")
    cid = world.ask()["id"]
    world.ok("eva", "POST", f"/video/contacts/{cid}/messages", {"text": "hallo"}, status=201)
    world.ok("gert", "POST", f"/video/contacts/{cid}/accept")
    world.ok("gert", "POST", f"/video/contacts/{cid}/end", {"outcome": "advice"})
    for entity in ("contact", "message", "pointer"):
        items = world.items(entity)
        assert items and all("expires_at" in i for i in items), entity
