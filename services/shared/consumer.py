"""The consumer base: SQS batches of EventBridge events, routed by type, each handled at most once.

::

    router = EventRouter("notifications-deliver")

    @router.on(MatchFound)
    def deliver_match_notice(event: Event[MatchFound]) -> None: ...

    handler = router.handler

Records are processed with Powertools' ``BatchProcessor``: a failing record is reported in
``batchItemFailures`` and comes back from the queue (after 5 receives it goes to the DLQ) while the
others in its batch go on. Each routed call is wrapped in Powertools idempotency keyed on the event id,
so a duplicate delivery has one effect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from services.shared import correlation
from services.shared.entrypoint import entrypoint
from services.shared.events import Event, EventData
from services.shared.observability import logger
from services.shared.settings import get_settings

E = TypeVar("E", bound=EventData)
EventHandler = Callable[[Event[Any]], None]
IDEMPOTENCY_HOURS = 24 * 15  # longer than a DLQ keeps a message (14 days), so a late redrive is still idempotent
MAX_RECEIVES = 5  # deliveries of a message before its queue moves it to the DLQ (the stack sets the redrive policy)
BACK_OFF_CAP_SECONDS = 900

_attempt: ContextVar[int] = ContextVar("attempt", default=1)


def delivery_attempt() -> int:
    """Which delivery of the message being handled this is (1 = first); ``MAX_RECEIVES`` is the last."""
    return _attempt.get()


class UnroutableEvent(Exception):
    """A message whose type this consumer does not handle: the subscription and the routes disagree."""


@dataclass
class _Route:
    event_type: type[EventData]
    handle: EventHandler
    idempotent: EventHandler | None = None
    config: Any = None


def back_off_seconds(attempt: int, base: int) -> int:
    """How long a failed message stays away before its next delivery: doubling per attempt, capped."""
    return min(BACK_OFF_CAP_SECONDS, base * 2 ** max(0, attempt - 1))


def queue_url(queue_arn: str) -> str:
    """``arn:aws:sqs:<region>:<account>:<name>`` -> the queue URL (what SQS calls take; no lookup needed)."""
    _, _, _, region, account, name = queue_arn.split(":", 5)
    return f"https://sqs.{region}.amazonaws.com/{account}/{name}"


class EventRouter:
    """Routes a batch's events to their handlers. With ``back_off``, a record that fails stays away from its
    queue for ``back_off_seconds`` (30 s, 60 s, 120 s, ... by default) instead of the queue's fixed visibility
    timeout, so a provider that is down is not hammered and has time to recover."""

    def __init__(self, component: str, *, back_off: bool = False) -> None:
        self.component = component
        self.back_off = back_off
        self._routes: dict[tuple[str, str], _Route] = {}
        self.handler = entrypoint(component)(self._handle_batch)

    def on(self, event_type: type[E]) -> Callable[[Callable[[Event[E]], None]], Callable[[Event[E]], None]]:
        """Register the handler of ``event_type``."""

        def register(fn: Callable[[Event[E]], None]) -> Callable[[Event[E]], None]:
            key = (event_type.source(), event_type.event_type)
            if key in self._routes:
                raise ValueError(f"{event_type.__name__} already has a handler in {self.component}")
            self._routes[key] = _Route(event_type, fn)
            return fn

        return register

    @property
    def event_types(self) -> list[type[EventData]]:
        return [route.event_type for route in self._routes.values()]

    # -- processing ---------------------------------------------------------------------------------
    def _idempotent(self, route: _Route, context: Any) -> EventHandler:
        if route.idempotent is None:
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer,
                IdempotencyConfig,
                idempotent_function,
            )

            config = IdempotencyConfig(
                event_key_jmespath="metadata.event_id",
                raise_on_no_idempotency_key=True,
                expires_after_seconds=IDEMPOTENCY_HOURS * 3600,
            )
            store = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)
            handle = route.handle

            def run(event: Event[Any]) -> None:
                handle(event)

            run.__qualname__ = f"{self.component}.{route.event_type.event_type}"
            route.idempotent = idempotent_function(
                data_keyword_argument="event", config=config, persistence_store=store
            )(run)
            route.config = config
        if context is not None:
            route.config.register_lambda_context(context)
        return route.idempotent

    def _process(self, record: Any, context: Any) -> None:
        try:
            _attempt.set(max(1, int(record.attributes.approximate_receive_count)))
        except (TypeError, ValueError):
            _attempt.set(1)
        body = json.loads(record.body)
        key = (body.get("source", ""), body.get("detail-type", ""))
        route = self._routes.get(key)
        if route is None:
            raise UnroutableEvent(f"{self.component} has no handler for {key}")
        event = Event[route.event_type].model_validate(body["detail"])  # type: ignore[name-defined,unused-ignore]
        bound = correlation.bind(event.metadata.correlation_id)
        logger().set_correlation_id(bound)
        logger().info("handling event", extra={"event_type": key[1], "event_id": event.metadata.event_id})
        try:
            self._idempotent(route, context)(event=event)  # type: ignore[call-arg]
        except Exception:
            if self.back_off:
                self._delay_retry(record)
            raise

    def _delay_retry(self, record: Any) -> None:
        from services.shared.aws import client

        delay = back_off_seconds(delivery_attempt(), get_settings().retry_back_off_seconds)
        try:
            client("sqs").change_message_visibility(
                QueueUrl=queue_url(record.event_source_arn),
                ReceiptHandle=record.receipt_handle,
                VisibilityTimeout=delay,
            )
        except Exception:
            logger().warning("could not delay the retry; the queue's visibility timeout applies", exc_info=True)
        else:
            logger().info("retry delayed", extra={"seconds": delay, "attempt": delivery_attempt()})

    def _handle_batch(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return process_partial_response(  # type: ignore[return-value]
            event=event,
            record_handler=lambda record: self._process(record, context),
            processor=processor,
            context=context,
        )
