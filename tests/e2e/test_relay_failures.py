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
    return [e for e in host.recorded("relay") if f'\\"{item_id}\\"' in json.dumps(e["event"])]


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
    failures = host.info["relay_failure_queues"][RELAY]

    def described() -> list[dict[str, Any]]:
        return sqs.receive_message(QueueUrl=failures, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])

    [message] = wait_for("the on-failure message", described, timeout=20, every=0.25)
    failure = json.loads(message["Body"])
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
