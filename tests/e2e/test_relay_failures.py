"""When the relay keeps failing, the stream batch is retried a few times, then described on the relay's
on-failure queue (as on AWS), and the stream moves on. A host of its own: this test breaks the bus."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import RunningHost, start_host, wait_for

pytestmark = pytest.mark.e2e
RELAY = "probe-relay-main"


@pytest.fixture(scope="module")
def breakable_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    running = start_host(tmp_path_factory.mktemp("breakable-host"))
    yield running
    running.stop()


def _relay_batches_with(host: RunningHost, item_id: str) -> list[dict[str, Any]]:
    return [e for e in host.recorded("relay") if item_id in json.dumps(e["event"])]


def _outbox_item(event_id: str, item_id: str) -> dict[str, Any]:
    envelope = {
        "metadata": {
            "event_id": event_id,
            "event_type": "ProbeItemCreated",
            "version": 1,
            "occurred_at": "2026-01-05T10:00:00+00:00",
            "region": "groningen",
            "correlation_id": f"e2e-{event_id}",
            "producer": "probe",
        },
        "data": {"item_id": item_id, "fail": False},
    }
    return {
        "pk": {"S": f"OUTBOX#{event_id}"},
        "sk": {"S": "OUTBOX"},
        "entity": {"S": "outbox"},
        "event_id": {"S": event_id},
        "event_type": {"S": "ProbeItemCreated"},
        "source": {"S": "jeugdketen.probe"},
        "envelope": {"S": json.dumps(envelope)},
    }


def _on_failure_messages(host: RunningHost) -> list[dict[str, Any]]:
    sqs = host.aws("sqs")
    queue = host.info["relay_failure_queues"][RELAY]
    messages: list[dict[str, Any]] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def test_a_bad_outbox_record_is_split_off_and_its_batch_mates_are_relayed(breakable_host: RunningHost) -> None:
    host = breakable_host
    good = f"mate-{uuid.uuid4().hex[:8]}"
    malformed = {"pk": {"S": f"OUTBOX#{uuid.uuid4()}"}, "sk": {"S": "OUTBOX"}, "entity": {"S": "outbox"}}
    table = host.info["tables"]["probe.main"]
    host.aws("dynamodb").transact_write_items(  # one transaction: both records reach the relay in one batch
        TransactItems=[
            {"Put": {"TableName": table, "Item": malformed}},
            {"Put": {"TableName": table, "Item": _outbox_item(str(uuid.uuid4()), good)}},
        ]
    )

    def delivered() -> bool:
        return any(good in r["body"] for e in host.recorded("consumer") for r in e["event"]["Records"])

    wait_for("the good record's event at the consumer", delivered)
    [failure] = wait_for("the bad record on the on-failure queue", lambda: _on_failure_messages(host), timeout=20)
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    batches = [len(e["event"]["Records"]) for e in host.recorded("relay") if good in json.dumps(e["event"])]
    assert batches == [2, 1]  # tried together, then the good one on its own


def test_a_batch_the_relay_cannot_put_on_the_bus_goes_to_the_on_failure_queue(breakable_host: RunningHost) -> None:
    host = breakable_host
    events, sqs = host.aws("events"), host.aws("sqs")
    bus = host.info["event_bus"]
    for rule in events.list_rules(EventBusName=bus)["Rules"]:
        targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"]
        events.remove_targets(Rule=rule["Name"], EventBusName=bus, Ids=[t["Id"] for t in targets])
        events.delete_rule(Name=rule["Name"], EventBusName=bus)
    events.delete_event_bus(Name=bus)

    lost = f"lost-{uuid.uuid4().hex[:8]}"
    assert host.http.post(host.url("/probe/items"), json={"id": lost}, headers=host.auth()).status_code == 201
    [failure] = wait_for("the on-failure message", lambda: _on_failure_messages(host), timeout=20, every=0.25)
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["functionArn"].endswith(f":function:jk-groningen-{RELAY}")
    info = failure["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["streamArn"].startswith("arn:aws:dynamodb:") and "/stream/" in info["streamArn"]
    assert len(_relay_batches_with(host, lost)) == 3  # the same batch, tried three times

    # The bus is back: the next change is relayed, so the stream did not stay stuck on the lost batch.
    events.create_event_bus(Name=bus)
    queue = sqs.create_queue(QueueName="e2e-after-repair")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="e2e-after-repair", EventBusName=bus, EventPattern=json.dumps({"source": ["jeugdketen.probe"]})
    )
    events.put_targets(Rule="e2e-after-repair", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    found = f"found-{uuid.uuid4().hex[:8]}"
    assert host.http.post(host.url("/probe/items"), json={"id": found}, headers=host.auth()).status_code == 201

    def delivered() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        return [m for m in messages if json.loads(m["Body"])["detail"]["data"]["item_id"] == found]

    assert wait_for("the next event on the repaired bus", delivered, timeout=15)
    assert len(_relay_batches_with(host, found)) == 1
