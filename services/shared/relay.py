"""The outbox relay: a table's stream -> the region's EventBridge bus.

Only INSERTs of outbox items are relayed (on AWS an event-source filter already drops the rest). Entries
go out in ``PutEvents`` calls of at most 10; entries that fail are retried with back-off; if any still
fails, the handler raises so the stream retries the batch (and after its retries, the record goes to the
on-failure destination): an event is never silently dropped. Delivery is at least once; consumers are
idempotent on the event id.
"""

from __future__ import annotations

import json
import time
from typing import Any

from services.shared.dynamo import attribute_value
from services.shared.entrypoint import entrypoint
from services.shared.observability import logger, metrics
from services.shared.settings import get_settings

# The event-source filter of every relay (a Lambda filter criterion on AWS, applied by the local poller):
# outbox INSERTs only. ``outbox_entries`` checks the same again.
OUTBOX_FILTER: dict[str, Any] = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["outbox"]}}}}
PUT_EVENTS_BATCH = 10
ATTEMPTS = 4
BACKOFF_SECONDS = 0.2


class RelayError(Exception):
    """Some outbox events could not be put on the bus; the stream must retry."""


def outbox_entries(records: list[dict[str, Any]], bus_name: str) -> list[dict[str, Any]]:
    """PutEvents entries for the outbox INSERTs among ``records`` (DynamoDB stream records)."""
    entries = []
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        image = record.get("dynamodb", {}).get("NewImage", {})
        if attribute_value(image, "entity") != "outbox":
            continue
        envelope = attribute_value(image, "envelope")
        source = attribute_value(image, "source")
        detail_type = attribute_value(image, "event_type")
        if not (envelope and source and detail_type):
            logger().error("malformed outbox item", extra={"keys": record.get("dynamodb", {}).get("Keys")})
            raise RelayError("malformed outbox item")
        entries.append(
            {
                "Source": source,
                "DetailType": detail_type,
                "Detail": envelope,
                "EventBusName": bus_name,
                "Resources": [],
            }
        )
    return entries


def put_events(client: Any, entries: list[dict[str, Any]], *, sleep: Any = time.sleep) -> None:
    """Put ``entries`` in batches of 10, retrying failed entries; raise RelayError if any keeps failing."""
    for start in range(0, len(entries), PUT_EVENTS_BATCH):
        pending = entries[start : start + PUT_EVENTS_BATCH]
        for attempt in range(ATTEMPTS):
            response = client.put_events(Entries=pending)
            if not response.get("FailedEntryCount"):
                break
            failed = [
                entry for entry, result in zip(pending, response["Entries"], strict=True) if result.get("ErrorCode")
            ]
            logger().warning(
                "PutEvents entries failed",
                extra={
                    "attempt": attempt + 1,
                    "failed": len(failed),
                    "errors": sorted({r.get("ErrorCode") for r in response["Entries"] if r.get("ErrorCode")}),
                },
            )
            pending = failed
            if attempt + 1 < ATTEMPTS:
                sleep(BACKOFF_SECONDS * 2**attempt)
        else:
            event_ids = [json.loads(e["Detail"])["metadata"]["event_id"] for e in pending]
            raise RelayError(f"{len(pending)} events could not be put on the bus: {event_ids}")


@entrypoint("relay")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from services.shared.aws import client

    entries = outbox_entries(event.get("Records", []), get_settings().event_bus)
    if entries:
        put_events(client("events"), entries)
        metrics().add_metric(name="EventsRelayed", unit="Count", value=len(entries))
    logger().info("relayed outbox events", extra={"count": len(entries)})
    return {"relayed": len(entries)}
