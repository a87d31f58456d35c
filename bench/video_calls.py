"""AWS calls per video operation, counted through a botocore hook, beside the minimum the design needs.

Runs the video handlers in-process against moto like ``bench.signal_calls`` (whose counting and table it uses),
in the world of the video service tests (``tests/services/video/conftest.py``: a user directory, the local meeting
provider, the clock fixed at 03:00 Dutch time, so contacts go to the out-of-hours partner), after one whole contact
as a warm-up, so clients and the cached region config are not counted, as on a warm Lambda. Gert is on duty and
available; Eva asks for a chat, Gert is offered it at once and takes it, they write, he starts video and ends with
a referral, which hands over to Eva's own JGZ team. No API operation may scan.

The local meeting provider makes no AWS calls. The Chime SDK calls of starting video and of ending a contact with
video are counted separately, running ``ChimeMeetings`` against a botocore ``Stubber``.

    python -m bench.video_calls
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from unittest import mock

from bench.signal_calls import count_every_client, counting, report

if TYPE_CHECKING:
    from tests.services.video.conftest import World

MINIMUM: dict[str, dict[str, int]] = {
    # the roster and presence of the organisation it is routed to: the shifts of today and yesterday (a night shift
    # is filed under the day it starts) and the presences, 3 queries; its queue (does anyone wait ahead? the
    # parent's place), 1 query; the contact, the nurse's reservation, the pointer, the events and the audit record
    # in one transaction - which also refuses a second open contact of the parent if it holds a conditional
    # "open contact" item of theirs, so that check needs no read
    "request, offered at once": {"dynamodb.Query": 4, "dynamodb.TransactWriteItems": 1},
    # the organisation's queue, one audit record
    "queue (1 offered to you)": {"dynamodb.Query": 1, "dynamodb.PutItem": 1},
    # the contact; the contact, the pointer, the event and the audit record in one transaction
    "accept the offer": {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1},
    # the contact (who may write); the message and the audit record in one transaction
    "post a message": {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1},
    # the contact (who may read), the messages, the audit record
    "read messages": {"dynamodb.GetItem": 1, "dynamodb.Query": 1, "dynamodb.PutItem": 1},
    # the contact; the contact, the event and the audit record in one transaction (Chime: counted below)
    "start video": {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1},
    # the contact, one transaction (release, contact, events, audit records), and the organisation's queue: a slot
    # came free, so what waits is offered now. The handover team's user ids (one ListUsers per member) are kept ten
    # minutes per function instance, so a warm function asks for them only now and then: not counted here.
    "end with a referral (handover)": {
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
        "dynamodb.Query": 1,
    },
    # one conditional update that returns the old item (changed or not: a heartbeat writes no audit record), the
    # queue (anything to offer?), the shifts of today and yesterday (on duty?)
    "presence heartbeat (no change)": {"dynamodb.UpdateItem": 1, "dynamodb.Query": 3},
    # the queue of each answering organisation (2 in Groningen), read once for every pass (vanished nurses, stranded
    # contacts, offers, service levels); the metrics go out as EMF in the logs
    "sweeper, nothing to do": {"dynamodb.Query": 2},
}
CHIME_MINIMUM: dict[str, dict[str, int]] = {
    # the meeting, an attendee each for the parent and the nurse
    "start video": {"chime-sdk-meetings.CreateMeeting": 1, "chime-sdk-meetings.CreateAttendee": 2},
    # deleting the meeting revokes every join token
    "end with a referral (handover)": {"chime-sdk-meetings.DeleteMeeting": 1},
}
REFERRAL = {"outcome": "referral", "referral_to": "own_jgz"}


@contextmanager
def video_world() -> Iterator[World]:
    """Inside: the Groningen region in moto with the video tests' user directory, the local meeting provider and
    their fixed clock (03:00 Dutch time), every AWS call counted. (The ``world`` fixture itself needs pytest.)"""
    from moto import mock_aws

    from services.shared import clock
    from services.shared.settings import reset_settings
    from tests.services.conftest import BASE_ENV, provision_region
    from tests.services.video.conftest import NIGHT, PEOPLE, World, username

    os.environ.update(BASE_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    count_every_client()
    with mock_aws():
        region = provision_region(os.environ.__setitem__)
        fixed = clock.FixedClock(NIGHT)
        previous = clock.set_clock(fixed)
        cognito = region.client("cognito-idp")
        attributes = [
            {"Name": n, "AttributeDataType": "String", "Mutable": True} for n in ("organization", "municipality")
        ]
        pool_id = cognito.create_user_pool(PoolName="bench-users", Schema=attributes)["UserPool"]["Id"]
        users = {}
        for who, (_, organisation, _) in PEOPLE.items():
            custom = [{"Name": "custom:organization", "Value": organisation}] if organisation else []
            cognito.admin_create_user(
                UserPoolId=pool_id, Username=username(who), UserAttributes=custom, MessageAction="SUPPRESS"
            )
            found = cognito.admin_get_user(UserPoolId=pool_id, Username=username(who))["UserAttributes"]
            users[who] = next(a["Value"] for a in found if a["Name"] == "sub")
        os.environ.update(JK_USER_POOL_ID=pool_id, JK_MEETING_PROVIDER="local")
        reset_settings()
        try:
            yield World(region=region, clock=fixed, users=users)
        finally:
            clock.set_clock(previous)


def one_contact(world: World, measure: Callable[[str, Callable[[], Any]], Any]) -> None:
    """A whole contact, each step through ``measure(name, step)``; Gert is free again at the end."""
    contact_id = measure("request, offered at once", lambda: world.ask("eva"))["id"]
    path = f"/video/contacts/{contact_id}"
    queue = measure("queue (1 offered to you)", lambda: world.ok("gert", "GET", "/video/queue"))
    assert [(e["id"], e["offered_to_you"]) for e in queue["entries"]] == [(contact_id, True)], queue
    measure("accept the offer", lambda: world.ok("gert", "POST", f"{path}/accept"))
    measure("post a message", lambda: world.ok("eva", "POST", f"{path}/messages", {"text": "Hij huilt"}, status=201))
    measure("read messages", lambda: world.ok("gert", "GET", f"{path}/messages"))
    measure("start video", lambda: world.ok("gert", "POST", f"{path}/video", status=201))
    ended = measure("end with a referral (handover)", lambda: world.ok("gert", "POST", f"{path}/end", REFERRAL))
    assert ended["status"] == "ended", ended


def chime_stub() -> Any:
    """A Chime SDK client whose answers come from a ``Stubber``: one contact's meeting, two attendees, the delete."""
    import boto3
    from botocore.stub import ANY, Stubber

    chime = boto3.client("chime-sdk-meetings", region_name="eu-central-1")
    stubber = Stubber(chime)
    meeting = {
        "MeetingId": "11111111-2222-3333-4444-555555555555", "ExternalMeetingId": "con-0000000000000000",
        "MediaRegion": "eu-central-1",
        "MediaPlacement": {"AudioHostUrl": "h:3478", "AudioFallbackUrl": "wss://h/a", "SignalingUrl": "wss://h/c",
                           "TurnControlUrl": "https://h/t"},
    }  # fmt: skip
    stubber.add_response("create_meeting", {"Meeting": meeting}, {"ClientRequestToken": ANY, "MediaRegion": ANY,
                                                                  "ExternalMeetingId": ANY})  # fmt: skip
    for n in range(2):
        attendee = {"AttendeeId": f"a{n}", "ExternalUserId": f"user-{n}", "JoinToken": "token"}
        stubber.add_response("create_attendee", {"Attendee": attendee}, {"MeetingId": ANY, "ExternalUserId": ANY})
    stubber.add_response("delete_meeting", {}, {"MeetingId": meeting["MeetingId"]})
    stubber.activate()
    return chime


def main() -> int:
    # The functions' own output (log lines, EMF metrics) is not the benchmark's: kept out of the report.
    with contextlib.redirect_stdout(io.StringIO()), video_world() as world:
        from services.video.logic import contacts, sessions
        from services.video.logic.meetings import ChimeMeetings

        def unmeasured(_: str, step: Callable[[], Any]) -> Any:
            return step()

        world.on_duty("gert")  # Gert rostered for the night and available, capacity 3
        one_contact(world, unmeasured)  # warm-up: region config, clients, every path once
        measured: dict[str, Counter[str]] = {}

        def measure(name: str, step: Callable[[], Any]) -> Any:
            with counting() as calls:
                result = step()
            measured[name] = Counter(calls)
            return result

        one_contact(world, measure)
        heartbeat = {"status": "available", "capacity": 3}
        measure("presence heartbeat (no change)", lambda: world.ok("gert", "PUT", "/video/presence", heartbeat))
        swept = measure("sweeper, nothing to do", world.sweep)
        assert not any(swept.values()), swept

        # Another contact with the Chime SDK behind the provider (a Stubber answers): only its Chime calls count.
        chime = ChimeMeetings(client=chime_stub())
        with_chime: dict[str, Counter[str]] = {}

        def measure_chime(name: str, step: Callable[[], Any]) -> Any:
            with counting() as calls:
                result = step()
            if name in CHIME_MINIMUM:
                with_chime[name] = Counter({op: n for op, n in calls.items() if op.startswith("chime")})
            return result

        with (
            mock.patch.object(sessions, "provider", lambda: chime),
            mock.patch.object(contacts, "provider", lambda: chime),
        ):
            one_contact(world, measure_chime)

    print("The local meeting provider (JK_MEETING_PROVIDER=local) makes no AWS calls: no Chime calls below.")
    failed = report("video", measured, MINIMUM)
    print()
    print("Chime SDK calls alone, ChimeMeetings against a botocore Stubber (no media, no account)")
    failed |= report("video (Chime SDK)", with_chime, CHIME_MINIMUM)
    return failed


if __name__ == "__main__":
    sys.exit(main())
