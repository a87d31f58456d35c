"""A change and its event in one transaction -> stream -> relay -> bus -> rule -> SQS -> consumer, in moto."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from pynamodb.attributes import UnicodeAttribute

from services.shared.audit import AuditAction, AuditEntry, AuditRecord
from services.shared.consumer import EventRouter
from services.shared.events import Event, EventData
from services.shared.outbox import TransactionConflict, UnitOfWork
from services.shared.principal import Principal, Role
from services.signals.dal.tables import SignalsItem, SignalsOutbox
from tests.services.conftest import AWS_REGION, LambdaContext, Region


class Widget(SignalsItem, discriminator="test-widget"):
    colour = UnicodeAttribute()


class WidgetCreated(EventData):
    producer: ClassVar[str] = "signals"
    widget_id: str


class WidgetCounted(EventData):
    producer: ClassVar[str] = "signals"
    widget_id: str


EFFECTS: list[str] = []
router = EventRouter("test-widget-consumer")


@router.on(WidgetCreated)
def count_widget(event: Event[WidgetCreated]) -> None:
    if event.data.widget_id.startswith("broken"):
        raise RuntimeError("this widget cannot be handled")
    EFFECTS.append(event.data.widget_id)
    if event.data.widget_id.startswith("chain"):
        with UnitOfWork(SignalsOutbox) as uow:
            uow.publish(WidgetCounted(widget_id=event.data.widget_id))


ANNA = Principal(
    user_id="user-anna",
    username="anna.jgz",
    roles=frozenset({Role.PROFESSIONAL}),
    organization="demo-jgz-groningen",
    region="groningen",
    source_ip="192.0.2.10",
)


@pytest.fixture(autouse=True)
def _clear_effects() -> None:
    EFFECTS.clear()


@pytest.fixture
def subscription(region: Region) -> str:
    """A rule for WidgetCreated on the region bus, targeting a fresh queue; returns the queue URL."""
    sqs = region.client("sqs")
    url = sqs.create_queue(QueueName="widget-consumer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = region.client("events")
    events.put_rule(
        Name="widget-created", EventBusName=region.bus_name, EventPattern=json.dumps(WidgetCreated.pattern())
    )
    events.put_targets(Rule="widget-created", EventBusName=region.bus_name, Targets=[{"Id": "q", "Arn": arn}])
    return url


def create_widget(widget_id: str, *, audit: bool = True) -> list[Event[Any]]:
    with UnitOfWork(SignalsOutbox) as uow:
        uow.save(Widget(pk=f"WIDGET#{widget_id}", sk="WIDGET", colour="blue"), condition=Widget.pk.does_not_exist())
        uow.publish(WidgetCreated(widget_id=widget_id))
        if audit:
            uow.audit(
                AuditRecord.by(
                    ANNA,
                    service="signals",
                    event="widget.create",
                    action=AuditAction.CREATE,
                    basis="role:professional",
                    client="pseudo-1",
                    objects=(f"widget:{widget_id}",),
                )
            )
    return uow.events


def stream_records(region: Region) -> list[dict[str, Any]]:
    streams = region.client("dynamodbstreams")
    arn = region.client("dynamodb").describe_table(TableName=region.tables["signals.main"])["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator)["Records"]
    for record in records:
        record["eventSourceARN"] = arn
    return records


def sqs_batch(region: Region, url: str) -> dict[str, Any]:
    messages = (
        region.client("sqs")
        .receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
        .get("Messages", [])
    )
    arn = f"arn:aws:sqs:{AWS_REGION}:123456789012:widget-consumer"
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": AWS_REGION,
            }
            for m in messages
        ]
    }


def test_change_outbox_and_audit_are_written_together(region: Region) -> None:
    [event] = create_widget("w1")
    assert Widget.get("WIDGET#w1", "WIDGET").colour == "blue"
    outbox = SignalsOutbox.get(f"OUTBOX#{event.metadata.event_id}", "OUTBOX")
    assert json.loads(outbox.envelope)["data"] == {"widget_id": "w1"}
    [entry] = list(AuditEntry.query("CLIENT#pseudo-1"))
    assert entry.to_record().objects == ("widget:w1",)
    assert entry.user_id == "user-anna" and entry.source_ip == "192.0.2.10"


def test_a_failed_condition_writes_nothing_at_all(region: Region) -> None:
    create_widget("w1")
    with pytest.raises(TransactionConflict) as raised:
        create_widget("w1")
    assert raised.value.failed == [0]
    assert len(list(SignalsOutbox.scan())) == 1
    assert len(list(AuditEntry.query("CLIENT#pseudo-1"))) == 1


def test_event_travels_from_the_outbox_to_the_consumer_once(region: Region, subscription: str) -> None:
    from services.shared.relay import handler as relay

    [event] = create_widget("w1")
    records = stream_records(region)
    assert relay({"Records": records}, LambdaContext()) == {"relayed": 1}
    batch = sqs_batch(region, subscription)
    [record] = batch["Records"]
    body = json.loads(record["body"])
    assert body["detail-type"] == "WidgetCreated" and body["source"] == "jeugdketen.signals"
    assert body["detail"]["metadata"]["event_id"] == event.metadata.event_id

    assert router.handler(batch, LambdaContext()) == {"batchItemFailures": []}
    assert router.handler(batch, LambdaContext()) == {"batchItemFailures": []}  # delivered again
    assert EFFECTS == ["w1"]


def test_relaying_the_same_stream_batch_twice_still_has_one_effect(region: Region, subscription: str) -> None:
    from services.shared.relay import handler as relay

    create_widget("w1")
    records = stream_records(region)
    relay({"Records": records}, LambdaContext())
    relay({"Records": records}, LambdaContext())  # the stream retried after a timeout
    batch = sqs_batch(region, subscription)
    assert len(batch["Records"]) == 2
    router.handler(batch, LambdaContext())
    assert EFFECTS == ["w1"]


def test_a_failing_record_does_not_hold_up_the_others(region: Region, subscription: str) -> None:
    from services.shared.relay import handler as relay

    for widget_id in ("w1", "broken-1", "w2"):
        create_widget(widget_id, audit=False)
    relay({"Records": stream_records(region)}, LambdaContext())
    batch = sqs_batch(region, subscription)
    broken = [r["messageId"] for r in batch["Records"] if "broken" in r["body"]]
    response = router.handler(batch, LambdaContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": broken[0]}]}
    assert sorted(EFFECTS) == ["w1", "w2"]
    # the failed one can be retried: idempotency did not record it as done
    retry = {"Records": [r for r in batch["Records"] if r["messageId"] in broken]}
    assert router.handler(retry, LambdaContext()) == {"batchItemFailures": [{"itemIdentifier": broken[0]}]}


def test_an_event_nobody_routes_is_a_failure_not_silence(region: Region) -> None:
    body = json.dumps({"source": "jeugdketen.plans", "detail-type": "PlanStarted", "detail": {}})
    batch = {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "r",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "x",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:q",
                "awsRegion": AWS_REGION,
            }
        ]
    }
    assert router.handler(batch, LambdaContext()) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_non_outbox_changes_are_not_relayed(region: Region) -> None:
    from services.shared.relay import handler as relay

    Widget(pk="WIDGET#plain", sk="WIDGET", colour="red").save()
    assert relay({"Records": stream_records(region)}, LambdaContext()) == {"relayed": 0}


def test_events_a_consumer_causes_keep_the_original_correlation_id(region: Region, subscription: str) -> None:
    from services.shared import correlation
    from services.shared.relay import handler as relay

    correlation.bind("request-trace-0007")
    create_widget("chain-1", audit=False)
    correlation.clear()
    relay({"Records": stream_records(region)}, LambdaContext())
    router.handler(sqs_batch(region, subscription), LambdaContext())
    [counted] = [o for o in SignalsOutbox.scan() if o.event_type == "WidgetCounted"]
    assert json.loads(counted.envelope)["metadata"]["correlation_id"] == "request-trace-0007"
