"""Delivery against moto: inbox, e-mail, SMS and push per preference, exactly once, failures kept apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.shared.clock import FixedClock
from services.shared.contracts.signals import MatchFollowUpOverdue, MatchFound, SignalReviewDue
from services.shared.contracts.video import ContactHandover, ContactOffered
from services.shared.events import new_event
from tests.services.notifications.conftest import PEOPLE, World

MATCH_ID = "mat-" + "ab" * 16
CONTACT_ID = "con-" + "bc" * 8
NIGHT = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # 03:00 in Amsterdam


def match_found(world: World, *who: str, notify_matchregie: bool = False, municipality: str = "GM0014") -> Any:
    return new_event(
        MatchFound(
            match_id=MATCH_ID,
            kind="youth",
            municipality=municipality,
            signal_ids=["sig-" + "01" * 16, "sig-" + "02" * 16],
            recipients=[world.users[w] for w in who],
            notify_matchregie=notify_matchregie,
        )
    )


def prefer(world: World, who: str, **body: Any) -> None:
    reply = world.call(who, "PUT", "/notifications/preferences", body)
    assert reply.status == 200, reply.body


def test_a_match_for_three_recipients_gives_three_inbox_items_and_the_messages_their_preferences_ask_for(
    world: World,
) -> None:
    prefer(world, "bram", channels={"match": ["email", "sms"]})
    prefer(world, "carla", channels={"match": ["sms"]}, language="en")
    event = match_found(world, "anna", "bram", "carla")

    assert world.deliver(event) == {"batchItemFailures": []}

    for who in ("anna", "bram", "carla"):
        [item] = world.inbox_of(who)
        assert item["link"]["S"] == f"/signals/matches/{MATCH_ID}" and item["sk"]["S"].startswith("INBOX#U#")
    assert [len(world.emails_to(w)) for w in ("anna", "bram", "carla")] == [1, 1, 0]  # anna: defaults
    assert [len(world.sms_to(w)) for w in ("anna", "bram", "carla")] == [0, 1, 1]
    [email] = world.emails_to("bram")
    assert email.subject == "Nieuwe match in de verwijsindex" and MATCH_ID in email.body
    assert world.sms_to("carla")[0].startswith("Jeugdketen: you have a new match")  # carla reads English
    delivered = world.published("NotificationDelivered")
    assert sorted((e["data"]["recipient_id"], e["data"]["channel"]) for e in delivered) == sorted(
        [
            (world.users["anna"], "inbox"),
            (world.users["anna"], "email"),
            (world.users["bram"], "inbox"),
            (world.users["bram"], "email"),
            (world.users["bram"], "sms"),
            (world.users["carla"], "inbox"),
            (world.users["carla"], "sms"),
        ]
    )
    assert all(e["metadata"]["correlation_id"] == event.metadata.correlation_id for e in delivered)
    # Anna asked for push (the default) but has no device: recorded as skipped, not as a failure.
    [skipped] = world.deliveries("skipped")
    assert skipped["channel"]["S"] == "push" and skipped["reason"]["S"] == "no_device"


def test_the_same_event_delivered_twice_gives_nothing_more(world: World) -> None:
    event = match_found(world, "anna", "bram", "carla")
    world.deliver(event)
    before = (len(world.items("inbox")), len(world.emails()), len(world.sms()), len(world.items("outbox")))

    assert world.deliver(event) == {"batchItemFailures": []}  # the queue delivered it again
    dynamodb = world.region.client("dynamodb")  # even without Powertools' record, the delivery records hold
    for record in dynamodb.scan(TableName="test-idempotency")["Items"]:
        dynamodb.delete_item(TableName="test-idempotency", Key={"id": record["id"]})
    assert world.deliver(event) == {"batchItemFailures": []}

    after = (len(world.items("inbox")), len(world.emails()), len(world.sms()), len(world.items("outbox")))
    assert after == before == (3, 3, 0, 6)


def test_a_rejected_email_does_not_stop_the_others_and_is_recorded_as_failed(world: World) -> None:
    event = match_found(world, "anna", "rejected", "carla")

    assert world.deliver(event) == {"batchItemFailures": []}  # retrying cannot help a rejected address

    assert len(world.emails_to("anna")) == 1 and len(world.emails_to("carla")) == 1
    assert world.emails_to("rejected") == []
    assert len(world.inbox_of("rejected")) == 1  # the inbox still tells them
    [failed] = world.deliveries("failed")
    assert failed["recipient"]["S"] == world.users["rejected"] and failed["channel"]["S"] == "email"
    assert failed["reason"]["S"] == "rejected"
    [notice] = world.published("NotificationFailed")
    assert notice["data"] == {
        "notification_id": failed["notification_id"]["S"],
        "source_event_id": event.metadata.event_id,
        "recipient_id": world.users["rejected"],
        "channel": "email",
        "category": "match",
        "reason": "rejected",
    }


@pytest.fixture
def throttled_sms(world: World) -> Iterator[list[str]]:
    """Every SMS fails as SNS does when throttled (a transient error), through botocore's own hooks, until
    ``_stop_throttling`` (or the end of the test: the client is cached across tests)."""
    from botocore.exceptions import ClientError

    from services.shared.aws import client

    refused: list[str] = []

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if "PhoneNumber" in params:
            refused.append(params["PhoneNumber"])
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")

    client("sns").meta.events.register("provide-client-params.sns.Publish", refuse, unique_id="throttle-sms")
    yield refused
    _stop_throttling()


def _stop_throttling() -> None:
    from services.shared.aws import client

    client("sns").meta.events.unregister("provide-client-params.sns.Publish", unique_id="throttle-sms")


def test_a_transient_failure_is_retried_through_the_queue_and_the_others_are_not_sent_again(
    world: World, throttled_sms: list[str]
) -> None:
    prefer(world, "bram", channels={"match": ["email", "sms"]})
    event = match_found(world, "anna", "bram")

    first = world.deliver(event, receive_count=1)

    assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == [f"m-0-{event.metadata.event_id}"]
    assert throttled_sms == [PEOPLE["bram"][1]]
    assert len(world.emails()) == 2 and len(world.items("inbox")) == 2  # the others went out
    _stop_throttling()

    second = world.deliver(event, receive_count=2)

    assert second == {"batchItemFailures": []}
    assert len(world.sms_to("bram")) == 1
    assert len(world.emails()) == 2 and len(world.items("inbox")) == 2  # nothing sent twice


def test_a_delivery_failing_until_the_last_attempt_is_marked_failed_and_the_event_goes_to_the_dlq(
    world: World, throttled_sms: list[str]
) -> None:
    from services.shared.consumer import MAX_RECEIVES

    prefer(world, "bram", channels={"match": ["sms"]})
    event = match_found(world, "bram")

    for attempt in range(1, MAX_RECEIVES):
        assert world.deliver(event, receive_count=attempt)["batchItemFailures"]
        assert world.deliveries("failed") == []
    last = world.deliver(event, receive_count=MAX_RECEIVES)

    assert last["batchItemFailures"]  # so the queue moves it to its DLQ, whose alarm pages an operator
    [failed] = world.deliveries("failed")
    assert failed["reason"]["S"] == "gave_up" and failed["channel"]["S"] == "sms"
    assert [e["data"]["reason"] for e in world.published("NotificationFailed")] == ["gave_up"]
    assert len(world.inbox_of("bram")) == 1


def test_quiet_hours_hold_a_match_until_they_end_and_the_sweeper_sends_it(
    world: World, fixed_clock: FixedClock
) -> None:
    prefer(world, "anna", channels={"match": ["email", "sms"]}, quiet_hours={"start": "22:00", "end": "07:00"})
    fixed_clock.set(datetime(2026, 3, 3, 22, 30, tzinfo=UTC))  # 23:30 in Amsterdam
    world.deliver(match_found(world, "anna"))

    assert len(world.inbox_of("anna")) == 1  # the inbox is silent: it fills at once
    assert world.emails() == [] and world.sms() == []
    assert sorted(d["channel"]["S"] for d in world.deliveries("held")) == ["email", "sms"]

    fixed_clock.set(datetime(2026, 3, 4, 5, 59, tzinfo=UTC))  # 06:59
    assert world.sweep()["sent"] == 0
    fixed_clock.set(datetime(2026, 3, 4, 6, 0, tzinfo=UTC))  # 07:00
    assert world.sweep()["sent"] == 2
    assert len(world.emails_to("anna")) == 1 and len(world.sms_to("anna")) == 1
    assert world.sweep()["sent"] == 0  # once
    assert world.deliveries("held") == []


def test_an_overdue_follow_up_is_urgent_and_ignores_quiet_hours(world: World, fixed_clock: FixedClock) -> None:
    prefer(world, "anna", quiet_hours={"start": "22:00", "end": "07:00"})
    fixed_clock.set(datetime(2026, 3, 3, 23, 0, tzinfo=UTC))
    overdue = MatchFollowUpOverdue(
        match_id=MATCH_ID,
        municipality="GM0014",
        due_at=datetime(2026, 3, 3, 23, 0, tzinfo=UTC),
        missing=["coordination"],
        escalated=False,
        recipients=[world.users["anna"]],
        notify_matchregie=False,
    )
    world.deliver(new_event(overdue))

    assert len(world.emails_to("anna")) == 1 and len(world.sms_to("anna")) == 1
    assert world.deliveries("held") == []


def test_a_contact_offered_at_night_reaches_the_nurse_by_sms_at_once_and_not_by_email(
    world: World, fixed_clock: FixedClock
) -> None:
    prefer(world, "anna", quiet_hours={"start": "22:00", "end": "07:00"})
    fixed_clock.set(NIGHT)
    offered = ContactOffered(
        contact_id=CONTACT_ID,
        nurse_id=world.users["anna"],
        offer_expires_at=NIGHT + timedelta(minutes=2),
        recipients=[world.users["anna"]],
    )
    world.deliver(new_event(offered))

    [item] = world.inbox_of("anna")
    assert item["link"]["S"] == f"/video/contacts/{CONTACT_ID}"
    [sms] = world.sms_to("anna")
    assert sms.startswith("Jeugdketen: er wacht een ouder op u") and CONTACT_ID in sms
    assert world.emails() == [] and world.deliveries("held") == []


def test_a_handover_at_night_is_in_the_teams_inbox_at_once_and_mailed_when_quiet_hours_end(
    world: World, fixed_clock: FixedClock
) -> None:
    prefer(world, "bram", quiet_hours={"start": "22:00", "end": "07:00"})
    fixed_clock.set(NIGHT)
    handover = ContactHandover(
        contact_id=CONTACT_ID,
        organization="jgz-groningen-stad",
        topic="slaapproblemen",
        outcome="referral",
        referral_to="huisarts-noord",
        requested_at=NIGHT - timedelta(minutes=40),
        ended_at=NIGHT - timedelta(minutes=10),
        recipients=[world.users["bram"]],
    )
    world.deliver(new_event(handover))

    assert len(world.inbox_of("bram")) == 1  # the inbox is silent: it fills at once
    assert world.emails() == [] and world.sms() == []
    assert sorted(d["channel"]["S"] for d in world.deliveries("held")) == ["email", "push"]
    fixed_clock.set(datetime(2026, 3, 4, 6, 0, tzinfo=UTC))  # 07:00
    assert world.sweep()["sent"] == 1  # the e-mail: bram has no device to push to
    [email] = world.emails_to("bram")
    assert email.subject == "Er is een overdracht voor uw team" and CONTACT_ID in email.body
    for about_the_family in ("jgz-groningen-stad", "slaapproblemen", "referral", "huisarts-noord"):
        assert about_the_family not in email.body
    assert world.sms() == []


def test_the_matchregie_officer_is_told_when_the_event_asks_a_directory_user_or_else_the_mailbox(
    world: World,
) -> None:
    world.deliver(match_found(world, "anna", notify_matchregie=True))

    assert len(world.inbox_of("dirk")) == 1  # dirk has the municipality's matchregie address
    [to_dirk] = world.emails_to("dirk")
    assert to_dirk.subject == "Nieuwe match om te volgen"
    [titled] = world.call("dirk", "GET", "/notifications").body["items"]
    assert titled["title"] == "Nieuwe match om te volgen"  # the inbox speaks to the officer as the e-mail does

    world.deliver(match_found(world, "anna", notify_matchregie=True, municipality="GM1966"))
    mailbox = [
        m for m in world.emails() if m.destinations["ToAddresses"] == ["matchregie.hethogeland@demo.jeugdketen.nl"]
    ]
    assert len(mailbox) == 1  # no directory user with that address: e-mail only, to the mailbox
    assert {i["pk"]["S"] for i in world.items("inbox")} == {f"USER#{world.users[w]}" for w in ("anna", "dirk")}


def test_a_recipient_gone_from_the_directory_keeps_only_the_inbox(world: World) -> None:
    gone = "0b0b0b0b-0000-4000-8000-000000000000"
    event = new_event(
        SignalReviewDue(
            signal_id="sig-" + "ef" * 16, months=6, removal_due=datetime(2028, 3, 1).date(), recipients=[gone]
        )
    )
    assert world.deliver(event) == {"batchItemFailures": []}
    assert [i["pk"]["S"] for i in world.items("inbox")] == [f"USER#{gone}"]
    assert world.emails() == [] and world.sms() == []


def test_every_notification_sent_is_audited_without_content(world: World) -> None:
    from services.shared.audit import AuditEntry

    world.deliver(match_found(world, "anna", "bram"))

    entries = [e for e in AuditEntry.scan() if e.event.startswith("notification.")]
    assert sorted(e.event for e in entries) == ["notification.email", "notification.email", "notification.inbox",
                                                "notification.inbox"]  # fmt: skip
    for entry in entries:
        assert entry.user_id == "system:notifications-deliver"
        assert {o.split(":", 1)[0] for o in entry.objects} == {"notification", "event", "recipient"}


def test_push_goes_to_each_registered_device_and_a_disabled_endpoint_is_forgotten(world: World) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    phone = world.call("anna", "POST", "/notifications/devices", {"platform": "apns", "token": "a" * 64})
    tablet = world.call("anna", "POST", "/notifications/devices", {"platform": "fcm", "token": "b" * 64})
    assert phone.status == tablet.status == 201
    backend = sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"]
    endpoints = {e.arn: e for e in backend.platform_endpoints.values()}

    world.deliver(match_found(world, "anna"))

    sent = {arn: list(e.messages.values()) for arn, e in endpoints.items()}
    assert all(len(messages) == 1 for messages in sent.values()) and len(sent) == 2
    payload = next(iter(sent.values()))[0]
    assert MATCH_ID in payload and "Nieuwe match" in payload

    tablet_arn = next(arn for arn, e in endpoints.items() if e.token == "b" * 64)
    backend.set_endpoint_attributes(tablet_arn, {"Enabled": "false"})
    world.deliver(match_found(world, "anna"))  # a new event (new id)

    assert len(endpoints[tablet_arn].messages) == 1  # not sent to the disabled one

    assert [i["platform"]["S"] for i in world.items("device")] == ["apns"]


def test_inbox_items_expire_after_the_regions_period(world: World, fixed_clock: FixedClock) -> None:
    world.deliver(match_found(world, "anna"))
    days = world.region.config.retention.inbox_days
    [item] = world.inbox_of("anna")
    expires = datetime.fromtimestamp(int(item["expires_at"]["N"]), tz=UTC)
    assert expires == datetime(2026, 3, 3, 9, 0, tzinfo=UTC) + timedelta(days=days)

    fixed_clock.advance(timedelta(days=days, seconds=1))
    reply = world.call("anna", "GET", "/notifications")
    assert reply.body["items"] == [] and world.call("anna", "GET", "/notifications/unread-count").body == {"unread": 0}


@pytest.mark.parametrize("who", ["anna"])
def test_a_message_never_carries_the_recipients_own_details(world: World, who: str) -> None:
    prefer(world, who, channels={"match": ["email", "sms"]})
    world.deliver(match_found(world, who))
    [email] = world.emails_to(who)
    texts = [email.subject, email.body, *world.sms_to(who)]
    for text in texts:
        assert PEOPLE[who][0] not in text and PEOPLE[who][1] not in text


def test_a_failed_delivery_backs_off_before_the_queue_brings_it_back(world: World, throttled_sms: list[str]) -> None:
    import json as _json

    from services.notifications.handlers.deliver import handler
    from tests.services.conftest import LambdaContext, sqs_batch

    prefer(world, "bram", channels={"match": ["sms"]})
    event = match_found(world, "bram")
    sqs = world.region.client("sqs")
    url = sqs.create_queue(QueueName="notifications-deliver", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    batch = sqs_batch(event, queue="notifications-deliver")
    sqs.send_message(QueueUrl=url, MessageBody=batch["Records"][0]["body"])
    [received] = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    batch["Records"][0]["receiptHandle"] = received["ReceiptHandle"]
    assert sqs.receive_message(QueueUrl=url).get("Messages")  # visibility 0: it would come straight back

    result = handler(batch, LambdaContext())

    assert result["batchItemFailures"]
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None  # away for the back-off (30 s at first)
    assert _json.loads(received["Body"])["detail"]["metadata"]["event_id"] == event.metadata.event_id


def test_a_redrive_after_an_outage_sends_what_gave_up_and_nothing_twice(world: World, throttled_sms: list[str]) -> None:
    from services.shared.consumer import MAX_RECEIVES

    prefer(world, "bram", channels={"match": ["email", "sms"]})
    event = match_found(world, "bram")
    for attempt in range(1, MAX_RECEIVES + 1):
        world.deliver(event, receive_count=attempt)
    assert [d["reason"]["S"] for d in world.deliveries("failed")] == ["gave_up"]
    _stop_throttling()  # the provider is back; an operator redrives the DLQ (receive counts start again)

    assert world.deliver(event, receive_count=1) == {"batchItemFailures": []}

    assert len(world.sms_to("bram")) == 1 and len(world.emails_to("bram")) == 1  # the e-mail not again
    assert world.deliveries("failed") == []


def test_one_held_delivery_that_cannot_be_sent_does_not_block_the_others(world: World, fixed_clock: FixedClock) -> None:
    for who in ("anna", "bram"):
        prefer(world, who, channels={"match": ["email"]}, quiet_hours={"start": "22:00", "end": "07:00"})
    fixed_clock.set(datetime(2026, 3, 3, 22, 30, tzinfo=UTC))
    world.deliver(match_found(world, "anna", "bram"))
    table = world.region.client("dynamodb")
    [anna_held] = [d for d in world.deliveries("held") if d["recipient"]["S"] == world.users["anna"]]
    table.update_item(  # a template renamed away since it was held
        TableName=world.region.tables["notifications.main"],
        Key={"pk": anna_held["pk"], "sk": anna_held["sk"]},
        UpdateExpression="SET #t = :t",
        ExpressionAttributeNames={"#t": "template"},
        ExpressionAttributeValues={":t": {"S": "renamed_away"}},
    )
    fixed_clock.set(datetime(2026, 3, 4, 6, 0, tzinfo=UTC))

    counts = world.sweep()

    assert counts["sent"] == 1 and counts["later"] == 1
    assert len(world.emails_to("bram")) == 1 and world.emails_to("anna") == []
    assert world.call("anna", "GET", "/notifications").status == 200  # the inbox still reads


def test_a_tampered_cursor_gets_422(world: World) -> None:
    import base64
    import json as _json

    for forged in ({"pk": {"Q": "x"}}, {"pk": {"S": 1}}, {}, {"pk": "USER#x"}):
        cursor = base64.urlsafe_b64encode(_json.dumps(forged).encode()).decode()
        reply = world.call("anna", "GET", f"/notifications?cursor={cursor}")
        assert reply.status == 422, (forged, reply.body)
