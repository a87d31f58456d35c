"""Pollers: what Lambda's event source mappings do on AWS, for moto.

- ``QueuePoller``: long-polls a subscription's queue and hands the messages to the consumer in Lambda's SQS
  event shape (with ``ReportBatchItemFailures``): messages not listed in ``batchItemFailures`` are deleted,
  the listed ones stay and come back after the visibility timeout, and after 5 receives moto's redrive
  policy moves them to the DLQ. A handler that raises fails the whole batch. The body is the EventBridge
  event with the ``account`` field moto leaves out put back.
- ``StreamPoller``: reads a table's stream (shard iterators) and hands the records that pass the outbox
  filter to the relay in Lambda's DynamoDB stream shape. A failing batch is split in two and each half
  tried on its own; a single record that keeps failing is described on the relay's on-failure queue (as
  the AWS relay's on-failure destination), and the poller moves on.

Every loop is bounded by a stop event and short waits, so the host stops within a few seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from infra.local.functions import LocalFunction
from infra.local.provision import Streamed, Subscribed
from services.shared import clock
from services.shared.relay import OUTBOX_FILTER

log = logging.getLogger("infra.local.pollers")

STREAM_BATCH_SIZE = 100
STREAM_ATTEMPTS = 3
STREAM_IDLE_WAIT = (0.1, 0.5)  # seconds between reads of an idle stream: from, growing to
_EVENTBRIDGE_ORDER = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """The subset of Lambda's filter syntax the host needs: nested objects and lists of exact values."""
    if not isinstance(event, Mapping):
        return False
    for name, wanted in pattern.items():
        value = event.get(name)
        if isinstance(wanted, Mapping):
            if not matches(wanted, value):
                return False
        elif value not in wanted:
            return False
    return True


def with_account(body: str, account: str) -> str:
    """The EventBridge event with ``account`` filled in (moto's SQS target leaves it out), in AWS's field order."""
    try:
        event = json.loads(body)
    except ValueError:
        return body
    if not isinstance(event, dict) or "detail-type" not in event or "account" in event:
        return body
    event["account"] = account
    ordered = {name: event[name] for name in _EVENTBRIDGE_ORDER if name in event}
    ordered.update({k: v for k, v in event.items() if k not in ordered})
    return json.dumps(ordered)


def _message_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": list(value.get("StringListValues", [])),
            "binaryListValues": list(value.get("BinaryListValues", [])),
            "dataType": value.get("DataType", "String"),
        }
        for name, value in attributes.items()
    }


def sqs_record(message: Mapping[str, Any], *, queue_arn: str, aws_region: str, account: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, from a ``ReceiveMessage`` message."""
    body = with_account(message["Body"], account)
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": _message_attributes(message.get("MessageAttributes", {})),
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": aws_region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_ids(result: Any, batch_ids: list[str]) -> set[str]:
    """Which messages failed, by Lambda's rules for ``ReportBatchItemFailures``."""
    if not isinstance(result, Mapping) or result.get("batchItemFailures") is None:
        return set()
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return set(batch_ids)
    ids = [f.get("itemIdentifier") if isinstance(f, Mapping) else None for f in failures]
    if any(not isinstance(i, str) or i not in batch_ids for i in ids):
        return set(batch_ids)  # an unknown or empty identifier fails the whole batch (as Lambda does)
    return set(ids)  # type: ignore[arg-type]


def stream_record(record: Mapping[str, Any], *, stream_arn: str, aws_region: str) -> dict[str, Any]:
    """One record of a Lambda DynamoDB stream event, from a ``GetRecords`` record."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": aws_region,  # moto says us-east-1 whatever the region
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


class _Poller:
    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def signal_stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("%s: polling failed; trying again in a second", self._thread.name)
                self._stop.wait(1.0)

    def poll_once(self) -> int:
        raise NotImplementedError


class QueuePoller(_Poller):
    def __init__(
        self,
        subscribed: Subscribed,
        function: LocalFunction,
        sqs: Any,
        *,
        account: str,
        aws_region: str,
        wait_seconds: int = 1,
    ) -> None:
        super().__init__(f"sqs:{subscribed.queue.name}")
        assert subscribed.function.subscription is not None
        self.subscribed = subscribed
        self.function = function
        self._sqs = sqs
        self._account = account
        self._aws_region = aws_region
        self._wait = wait_seconds
        self._batch_size = subscribed.function.subscription.batch_size

    def _receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        return self._sqs.receive_message(
            QueueUrl=self.subscribed.queue.url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])

    def poll_once(self) -> int:
        messages = self._receive(self._batch_size, self._wait)
        if not messages:
            return 0
        # A long poll returns as soon as the first message lands; take what else is already visible, up to
        # the batch size (Lambda's poller fills batches the same way, without waiting: batching window 0).
        while len(messages) < self._batch_size:
            more = self._receive(self._batch_size - len(messages), 0)
            if not more:
                break
            messages += more
        records = [
            sqs_record(m, queue_arn=self.subscribed.queue.arn, aws_region=self._aws_region, account=self._account)
            for m in messages
        ]
        ids = [r["messageId"] for r in records]
        try:
            failed = failed_ids(self.function.invoke({"Records": records}), ids)
        except Exception:
            log.exception("%s raised; the whole batch of %d comes back", self.function.name, len(records))
            failed = set(ids)
        done = [r for r in records if r["messageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self.subscribed.queue.url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)],
            )
        if failed:
            log.info("%s: %d of %d messages failed and stay for redelivery", self.function.name, len(failed), len(ids))
        return len(records)


class StreamPoller(_Poller):
    def __init__(
        self,
        streamed: Streamed,
        function: LocalFunction,
        streams: Any,
        sqs: Any,
        *,
        aws_region: str,
        attempts: int = STREAM_ATTEMPTS,
        retry_wait: float = 0.5,
    ) -> None:
        super().__init__(f"stream:{streamed.table}")
        self.streamed = streamed
        self.function = function
        self._streams = streams
        self._sqs = sqs
        self._aws_region = aws_region
        self._attempts = attempts
        self._retry_wait = retry_wait
        self._iterators: dict[str, str] = {}
        self._last_sequence: dict[str, str] = {}
        self._idle = STREAM_IDLE_WAIT[0]

    def start(self) -> None:
        self._discover_shards()
        super().start()

    def _discover_shards(self) -> None:
        description = self._streams.describe_stream(StreamArn=self.streamed.stream_arn)["StreamDescription"]
        for shard in description["Shards"]:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self._fresh_iterator(shard["ShardId"])

    def _fresh_iterator(self, shard_id: str) -> str:
        """An iterator just past the last record read from ``shard_id`` (its start if none was read)."""
        last = self._last_sequence.get(shard_id)
        position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last} if last else {}
        return self._streams.get_shard_iterator(
            StreamArn=self.streamed.stream_arn, ShardId=shard_id, **({"ShardIteratorType": "TRIM_HORIZON"} | position)
        )["ShardIterator"]

    def poll_once(self) -> int:
        from botocore.exceptions import ClientError

        delivered = 0
        for shard_id, iterator in list(self._iterators.items()):
            try:
                response = self._streams.get_records(ShardIterator=iterator, Limit=STREAM_BATCH_SIZE)
            except ClientError as error:  # e.g. an expired iterator: start again after the last record read
                log.warning("%s: %s; reading on from the last record", self._thread.name, error)
                self._iterators[shard_id] = self._fresh_iterator(shard_id)
                continue
            records = response.get("Records", [])
            if response.get("NextShardIterator"):
                self._iterators[shard_id] = response["NextShardIterator"]
            else:  # the shard was closed; pick up its successors
                del self._iterators[shard_id]
                self._discover_shards()
            if records:
                self._deliver(shard_id, records)
                self._last_sequence[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
                delivered += len(records)
        self._idle = STREAM_IDLE_WAIT[0] if delivered else min(self._idle * 1.5, STREAM_IDLE_WAIT[1])
        self._stop.wait(self._idle)
        return delivered

    def _deliver(self, shard_id: str, raw: list[dict[str, Any]]) -> None:
        records = [stream_record(r, stream_arn=self.streamed.stream_arn, aws_region=self._aws_region) for r in raw]
        batch = [r for r in records if matches(OUTBOX_FILTER, r)]
        if batch:  # records the filter drops never invoke the function (as on AWS)
            self._invoke(shard_id, batch)

    def _invoke(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        """Invoke with ``batch``; a failing batch is split in two and each half tried on its own (the AWS relay's
        BisectBatchOnFunctionError), a failing single record is retried, then given up."""
        for attempt in range(1, self._attempts + 1):
            try:
                self.function.invoke({"Records": batch})
                return
            except Exception:
                log.exception(
                    "%s failed on a batch of %d (attempt %d/%d)",
                    self.function.name,
                    len(batch),
                    attempt,
                    self._attempts,
                )
                if self._stop.wait(self._retry_wait * attempt):
                    return  # stopping: the batch is neither done nor given up (as when a container dies)
                if len(batch) > 1:
                    middle = len(batch) // 2
                    self._invoke(shard_id, batch[:middle])
                    self._invoke(shard_id, batch[middle:])
                    return
        self._give_up(shard_id, batch)

    def _give_up(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        """Describe the batch on the on-failure queue, as Lambda's on-failure destination does, and move on."""
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]

        def stamp(epoch: Any) -> str | None:
            return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if epoch else None

        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function.arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self._attempts,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": stamp(first.get("ApproximateCreationDateTime")),
                "approximateArrivalOfLastRecord": stamp(last.get("ApproximateCreationDateTime")),
                "batchSize": len(batch),
                "streamArn": self.streamed.stream_arn,
            },
        }
        self._sqs.send_message(QueueUrl=self.streamed.failures.url, MessageBody=json.dumps(message))
        log.error(
            "%s gave up on %d records after %d attempts; described on %s",
            self.function.name,
            len(batch),
            self._attempts,
            self.streamed.failures.name,
        )
