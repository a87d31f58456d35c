"""The notifications API against moto: own inbox only, preferences refused whole when anything is wrong."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.shared.clock import FixedClock
from services.shared.contracts.signals import MatchFound
from services.shared.events import new_event
from tests.services.notifications.conftest import World


def notify(world: World, who: str, n: int = 1) -> None:
    for i in range(n):
        event = MatchFound(
            match_id=f"mat-{i:032x}",
            kind="youth",
            municipality="GM0014",
            signal_ids=[],
            recipients=[world.users[who]],
            notify_matchregie=False,
        )
        assert world.deliver(new_event(event)) == {"batchItemFailures": []}


def test_the_inbox_lists_unread_first_then_newest_first(world: World, fixed_clock: FixedClock) -> None:
    for _ in range(3):
        notify(world, "anna")
        fixed_clock.advance(timedelta(minutes=5))
    items = world.call("anna", "GET", "/notifications").body["items"]
    assert [i["read"] for i in items] == [False, False, False]
    oldest = items[-1]["id"]

    reply = world.call("anna", "POST", f"/notifications/{oldest}/read")

    assert reply.status == 200 and reply.body["read"] is True and reply.body["read_at"]
    listed = world.call("anna", "GET", "/notifications").body["items"]
    assert [i["read"] for i in listed] == [False, False, True]
    assert listed[0]["created_at"] > listed[1]["created_at"]
    assert listed[0]["title"] == "Nieuwe match in de verwijsindex" and listed[0]["category"] == "match"
    assert listed[0]["link"].startswith("/signals/matches/mat-")
    assert world.call("anna", "GET", "/notifications/unread-count").body == {"unread": 2}


def test_the_inbox_is_paged(world: World, fixed_clock: FixedClock) -> None:
    for _ in range(5):
        notify(world, "anna")
        fixed_clock.advance(timedelta(minutes=1))
    first = world.call("anna", "GET", "/notifications?limit=2").body
    second = world.call("anna", "GET", f"/notifications?limit=2&cursor={first['next']}").body
    third = world.call("anna", "GET", f"/notifications?limit=2&cursor={second['next']}").body
    ids = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert len(ids) == len(set(ids)) == 5 and third["next"] is None
    assert world.call("anna", "GET", "/notifications?cursor=bm9wZQ").status == 422


def test_titles_follow_the_readers_language(world: World) -> None:
    notify(world, "anna")
    world.call("anna", "PUT", "/notifications/preferences", {"language": "en"})
    [item] = world.call("anna", "GET", "/notifications").body["items"]
    assert item["title"] == "A new match in the referral index"


def test_read_all_and_the_badge(world: World) -> None:
    notify(world, "anna", 3)
    assert world.call("anna", "GET", "/notifications/unread-count").body == {"unread": 3}
    assert world.call("anna", "POST", "/notifications/read-all").body == {"marked": 3}
    assert world.call("anna", "GET", "/notifications/unread-count").body == {"unread": 0}
    assert world.call("anna", "POST", "/notifications/read-all").body == {"marked": 0}
    assert all(i["read"] for i in world.call("anna", "GET", "/notifications").body["items"])


def test_someone_elses_notification_is_not_found(world: World) -> None:
    notify(world, "anna")
    [item] = world.call("anna", "GET", "/notifications").body["items"]
    reply = world.call("bram", "POST", f"/notifications/{item['id']}/read")
    assert reply.status == 404 and reply.body["code"] == "notification_not_found"
    assert world.call("bram", "GET", "/notifications").body["items"] == []
    assert world.call("anna", "GET", "/notifications/unread-count").body == {"unread": 1}
    assert world.call("anna", "POST", "/notifications/ntf-nonsense/read").status == 404


def test_marking_read_twice_is_harmless(world: World) -> None:
    notify(world, "anna")
    [item] = world.call("anna", "GET", "/notifications").body["items"]
    first = world.call("anna", "POST", f"/notifications/{item['id']}/read").body
    second = world.call("anna", "POST", f"/notifications/{item['id']}/read").body
    assert first == second and len(world.inbox_of("anna")) == 1


def test_preferences_start_from_the_defaults(world: World) -> None:
    body = world.call("anna", "GET", "/notifications/preferences").body
    assert body == {
        "categories": [
            {"category": "match", "channels": ["email", "push"], "urgent": False},
            {"category": "follow_up", "channels": ["email", "sms", "push"], "urgent": True},
            {"category": "signal_review", "channels": ["email"], "urgent": False},
            {"category": "plan", "channels": ["email", "push"], "urgent": False},
            {"category": "contact", "channels": ["sms", "push"], "urgent": True},
            {"category": "handover", "channels": ["email", "push"], "urgent": False},
        ],
        "quiet_hours": None,
        "language": "nl",
    }


def test_preferences_are_replaced_and_read_back(world: World) -> None:
    body = {
        "channels": {"match": ["sms"], "signal_review": []},
        "quiet_hours": {"start": "21:30", "end": "07:15", "timezone": "Europe/Amsterdam"},
        "language": "en",
    }
    put = world.call("anna", "PUT", "/notifications/preferences", body)
    got = world.call("anna", "GET", "/notifications/preferences")
    assert put.status == got.status == 200 and put.body == got.body
    channels = {c["category"]: c["channels"] for c in got.body["categories"]}
    assert channels == {
        "match": ["sms"],
        "follow_up": ["email", "sms", "push"],
        "signal_review": [],
        "plan": ["email", "push"],
        "contact": ["sms", "push"],
        "handover": ["email", "push"],
    }
    assert got.body["quiet_hours"] == body["quiet_hours"] and got.body["language"] == "en"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": {"gossip": ["email"]}}, "channels.gossip"),
        ({"channels": {"match": ["pigeon"]}}, "channels.match.0"),
        ({"channels": {"match": ["email", "email"]}}, "channels"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Mars/Olympus"}}, "quiet_hours.timezone"),
        ({"language": "fr"}, "language"),
        ({"language": "nl", "note": "about the family"}, "note"),
    ],
)
def test_invalid_preferences_get_422_naming_the_field_and_change_nothing(
    world: World, body: dict[str, Any], field: str
) -> None:
    world.call("anna", "PUT", "/notifications/preferences", {"channels": {"match": ["sms"]}})
    before = world.call("anna", "GET", "/notifications/preferences").body

    reply = world.call("anna", "PUT", "/notifications/preferences", body)

    assert reply.status == 422, reply.body
    fields = [e["field"] for e in reply.body["details"]["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert world.call("anna", "GET", "/notifications/preferences").body == before


def test_a_body_that_is_not_json_gets_400_or_422(world: World) -> None:
    reply = world.call("anna", "PUT", "/notifications/preferences", raw_body="{not json")
    assert reply.status in (400, 422) and reply.body["code"]


def test_devices_are_registered_once_and_removed(world: World) -> None:
    first = world.call("anna", "POST", "/notifications/devices", {"platform": "fcm", "token": "tok-" + "1" * 60})
    again = world.call("anna", "POST", "/notifications/devices", {"platform": "fcm", "token": "tok-" + "1" * 60})
    assert first.status == 201 and again.status == 200 and again.body["id"] == first.body["id"]
    assert len(world.items("device")) == 1

    assert world.call("bram", "DELETE", f"/notifications/devices/{first.body['id']}").status == 404
    removed = world.call("anna", "DELETE", f"/notifications/devices/{first.body['id']}")
    assert removed.status == 204 and world.items("device") == []
    assert world.call("anna", "DELETE", f"/notifications/devices/{first.body['id']}").status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "blackberry", "token": "x" * 64},
        {"platform": "apns", "token": "short"},
        {"platform": "apns", "token": "x" * 64, "name": "Anna's phone"},
        {"platform": "apns", "token": "not a token!" * 8},
    ],
)
def test_invalid_device_registrations_get_422(world: World, body: dict[str, Any]) -> None:
    assert world.call("anna", "POST", "/notifications/devices", body).status == 422
    assert world.items("device") == []


def test_a_platform_the_region_does_not_offer_gets_422(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.shared.settings import reset_settings

    monkeypatch.setenv("JK_PUSH_APPLICATIONS", "{}")
    reset_settings()
    reply = world.call("anna", "POST", "/notifications/devices", {"platform": "apns", "token": "x" * 64})
    assert reply.status == 422 and reply.body["code"] == "platform_unavailable"


def test_every_route_needs_a_signed_in_user(world: World) -> None:
    from services.notifications.handlers.api import handler
    from tests.services.conftest import LambdaContext, api_event

    for method, path in [("GET", "/notifications"), ("GET", "/notifications/preferences"),
                         ("POST", "/notifications/read-all")]:  # fmt: skip
        response = handler(api_event(method, path, claims_=None), LambdaContext())
        assert response["statusCode"] == 401
