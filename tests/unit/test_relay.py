"""The relay's batching and retry rules, with a scripted stand-in for the EventBridge client."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.shared.relay import ATTEMPTS, RelayError, outbox_entries, put_events


def outbox_record(n: int, *, event_name: str = "INSERT", entity: str = "outbox") -> dict[str, Any]:
    envelope = json.dumps({"metadata": {"event_id": f"e{n}"}, "data": {}})
    return {
        "eventName": event_name,
        "dynamodb": {
            "Keys": {"pk": {"S": f"OUTBOX#e{n}"}, "sk": {"S": "OUTBOX"}},
            "NewImage": {
                "pk": {"S": f"OUTBOX#e{n}"},
                "entity": {"S": entity},
                "envelope": {"S": envelope},
                "source": {"S": "jeugdketen.signals"},
                "event_type": {"S": "MatchFound"},
            },
        },
    }


class ScriptedEvents:
    """Answers PutEvents as told: ``fail[event_id]`` = how many times that entry fails before it succeeds."""

    def __init__(self, fail: dict[str, int] | None = None) -> None:
        self.fail = dict(fail or {})
        self.calls: list[list[str]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        ids = [json.loads(e["Detail"])["metadata"]["event_id"] for e in Entries]
        self.calls.append(ids)
        results = []
        for event_id in ids:
            if self.fail.get(event_id, 0) > 0:
                self.fail[event_id] -= 1
                results.append({"ErrorCode": "InternalFailure", "ErrorMessage": "try again"})
            else:
                results.append({"EventId": f"bus-{event_id}"})
        return {"FailedEntryCount": sum(1 for r in results if "ErrorCode" in r), "Entries": results}


def test_only_outbox_inserts_are_relayed() -> None:
    records = [
        outbox_record(1),
        outbox_record(2, event_name="MODIFY"),
        outbox_record(3, event_name="REMOVE"),
        outbox_record(4, entity="signal"),
    ]
    entries = outbox_entries(records, "bus-groningen")
    assert [json.loads(e["Detail"])["metadata"]["event_id"] for e in entries] == ["e1"]
    assert entries[0]["EventBusName"] == "bus-groningen"
    assert entries[0]["DetailType"] == "MatchFound"
    assert entries[0]["Source"] == "jeugdketen.signals"


def test_malformed_outbox_item_stops_the_batch() -> None:
    record = outbox_record(1)
    del record["dynamodb"]["NewImage"]["envelope"]
    with pytest.raises(RelayError):
        outbox_entries([record], "bus")


def test_entries_go_out_in_batches_of_at_most_ten() -> None:
    client = ScriptedEvents()
    put_events(client, outbox_entries([outbox_record(n) for n in range(23)], "bus"), sleep=lambda s: None)
    assert [len(c) for c in client.calls] == [10, 10, 3]


def test_failed_entries_are_retried_alone_until_they_succeed() -> None:
    client = ScriptedEvents(fail={"e3": 2})
    put_events(client, outbox_entries([outbox_record(n) for n in range(5)], "bus"), sleep=lambda s: None)
    assert client.calls == [["e0", "e1", "e2", "e3", "e4"], ["e3"], ["e3"]]


def test_an_entry_that_keeps_failing_raises_so_the_stream_retries() -> None:
    client = ScriptedEvents(fail={"e1": 100})
    waits: list[float] = []
    with pytest.raises(RelayError, match="e1"):
        put_events(client, outbox_entries([outbox_record(n) for n in range(3)], "bus"), sleep=waits.append)
    assert len(client.calls) == ATTEMPTS
    assert waits == sorted(waits) and len(waits) == ATTEMPTS - 1


def test_consumer_back_off_doubles_per_attempt_and_is_capped() -> None:
    from services.shared.consumer import BACK_OFF_CAP_SECONDS, back_off_seconds, queue_url

    assert [back_off_seconds(a, 30) for a in range(1, 6)] == [30, 60, 120, 240, 480]
    assert back_off_seconds(9, 30) == BACK_OFF_CAP_SECONDS
    assert queue_url("arn:aws:sqs:eu-central-1:123456789012:jk-groningen-notifications-deliver") == (
        "https://sqs.eu-central-1.amazonaws.com/123456789012/jk-groningen-notifications-deliver"
    )
