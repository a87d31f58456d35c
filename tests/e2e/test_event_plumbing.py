"""The probe service proves the whole path on the local host: request -> one transaction -> stream -> relay ->
bus -> rule -> SQS -> consumer; duplicates have one effect; a message that keeps failing ends in the DLQ."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import RunningHost, wait_for

pytestmark = pytest.mark.e2e
CONSUMER = "probe-count-effects"


def _new_id(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


def _item(host: RunningHost, item_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = host.http.get(host.url(f"/probe/items/{item_id}"), headers=headers)
    assert response.status_code == 200, response.text
    item: dict[str, Any] = response.json()
    return item


def _took_effect(host: RunningHost, item_id: str, headers: dict[str, str]) -> dict[str, Any] | None:
    item = _item(host, item_id, headers)
    return item if item["effects"] >= 1 else None


def _table_item(host: RunningHost, pk: str, sk: str) -> dict[str, Any] | None:
    response = host.aws("dynamodb").get_item(
        TableName=host.info["tables"]["probe.main"], Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    )
    return response.get("Item")


def _deliveries(host: RunningHost, item_id: str) -> list[dict[str, Any]]:
    """Every SQS record the consumer was handed for ``item_id`` (with the batch it came in)."""
    found = []
    for entry in host.recorded("consumer"):
        if entry["function"] != f"jk-{host.info['region']}-{CONSUMER}":
            continue  # another service's consumer (notifications hears of the demo match)
        for record in entry["event"]["Records"]:
            if json.loads(record["body"])["detail"]["data"]["item_id"] == item_id:
                found.append({"record": record, "batch": entry["event"]["Records"]})
    return found


def _queue_drained(host: RunningHost) -> bool:
    attributes = host.aws("sqs").get_queue_attributes(
        QueueUrl=host.info["queues"][CONSUMER]["url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(value == "0" for value in attributes.values())


def test_a_created_item_is_announced_and_the_consumer_takes_effect_once(host: RunningHost) -> None:
    headers = host.auth()
    item_id = _new_id("journey")
    response = host.http.post(host.url("/probe/items"), json={"id": item_id}, headers=headers)
    assert response.status_code == 201, response.text
    event_id = response.json()["event_id"]

    # The change and its announcement were committed together (with the audit record).
    stored = _table_item(host, f"ITEM#{item_id}", "ITEM")
    outbox = _table_item(host, f"OUTBOX#{event_id}", "OUTBOX")
    assert stored and outbox, "the item and its outbox item are both there right after the request"
    assert outbox["entity"] == {"S": "outbox"} and outbox["event_type"] == {"S": "ProbeItemCreated"}
    envelope = json.loads(outbox["envelope"]["S"])
    assert envelope["data"] == {"item_id": item_id, "fail": False}
    assert envelope["metadata"]["correlation_id"] == response.headers["x-correlation-id"]

    item = wait_for("the consumer's effect", lambda: _took_effect(host, item_id, headers))
    assert item["effects"] == 1
    [delivery] = _deliveries(host, item_id)
    body = json.loads(delivery["record"]["body"])
    assert body["source"] == "jeugdketen.probe" and body["detail-type"] == "ProbeItemCreated"
    assert body["detail"]["metadata"]["event_id"] == event_id
    assert body["account"] == host.info["account"]


def test_a_refused_change_announces_nothing(host: RunningHost) -> None:
    headers = host.auth()
    item_id = _new_id("twice")
    assert host.http.post(host.url("/probe/items"), json={"id": item_id}, headers=headers).status_code == 201
    again = host.http.post(host.url("/probe/items"), json={"id": item_id}, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "item_exists"
    outbox_items = host.aws("dynamodb").scan(
        TableName=host.info["tables"]["probe.main"],
        FilterExpression="entity = :outbox AND contains(envelope, :item)",
        ExpressionAttributeValues={":outbox": {"S": "outbox"}, ":item": {"S": f'"{item_id}"'}},
        ConsistentRead=True,
    )["Items"]
    assert len(outbox_items) == 1


def test_a_duplicate_delivery_has_one_effect(host: RunningHost) -> None:
    headers = host.auth()
    item_id = _new_id("duplicate")
    event_id = host.http.post(host.url("/probe/items"), json={"id": item_id}, headers=headers).json()["event_id"]
    wait_for("the first effect", lambda: _took_effect(host, item_id, headers))

    # The relay retried: the very same envelope reaches the bus twice more.
    outbox = _table_item(host, f"OUTBOX#{event_id}", "OUTBOX")
    assert outbox is not None
    entry = {
        "Source": outbox["source"]["S"],
        "DetailType": outbox["event_type"]["S"],
        "Detail": outbox["envelope"]["S"],
        "EventBusName": host.info["event_bus"],
    }
    result = host.aws("events").put_events(Entries=[entry, entry])
    assert result["FailedEntryCount"] == 0

    wait_for("three deliveries", lambda: len(_deliveries(host, item_id)) >= 3)
    wait_for("the queue to be drained", lambda: _queue_drained(host))
    assert _item(host, item_id, headers)["effects"] == 1


def test_a_message_that_keeps_failing_ends_in_the_dlq_and_holds_up_nobody(host: RunningHost) -> None:
    headers = host.auth()
    failing = _new_id("poison")
    good = [_new_id("good") for _ in range(3)]
    batch: list[dict[str, Any]] = [{"id": good[0]}, {"id": failing, "fail": True}, {"id": good[1]}, {"id": good[2]}]
    assert host.http.post(host.url("/probe/batches"), json={"items": batch}, headers=headers).status_code == 201

    for item_id in good:

        def took_effect(item_id: str = item_id) -> dict[str, Any] | None:
            return _took_effect(host, item_id, headers)

        assert wait_for(f"{item_id} to take effect", took_effect)["effects"] == 1

    sqs = host.aws("sqs")
    dlq = host.info["queues"][CONSUMER]["dlq_url"]

    def in_dlq() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        return [m for m in messages if f'"{failing}"' in m["Body"]]

    [dead] = wait_for("the failing message in the DLQ", in_dlq, timeout=30, every=0.5)
    assert json.loads(dead["Body"])["detail"]["data"] == {"item_id": failing, "fail": True}

    deliveries = _deliveries(host, failing)
    assert [d["record"]["attributes"]["ApproximateReceiveCount"] for d in deliveries] == ["1", "2", "3", "4", "5"]
    assert _item(host, failing, headers)["effects"] == 0
    # It shared its first batch with good messages; each good one was delivered once and deleted.
    assert any(len(d["batch"]) > 1 for d in deliveries)
    for item_id in good:
        assert len(_deliveries(host, item_id)) == 1
    wait_for("the queue to be drained", lambda: _queue_drained(host))
