"""Turning an event into notifications: per recipient the inbox, then each channel they chose.

Exactly once per (event, recipient, channel): a delivery record (``DELIVERY#<event id>`` / ``<recipient>#
<channel>``) is written in the same transaction as the inbox item, the ``NotificationDelivered`` event and the
audit record once a send succeeded; a delivery that has a record is never sent again. (An external send
that succeeds just before the function dies is sent again on the retry: no provider lets the send and the
record commit together.) Powertools idempotency on the event id keeps duplicate deliveries of the event from
running at the same time.

One recipient's failure never blocks the others: every delivery is tried; a rejected one is marked failed at
once (``NotificationFailed``); if any delivery hit a transient error the event is raised back to the queue,
which retries it with back-off and, after the last attempt, moves it to the DLQ (its alarm pages an
operator) - the deliveries still missing are then marked failed (``gave_up``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from services.notifications.dal.tables import (
    DUE_SHARD,
    DeliveryItem,
    InboxItem,
    NotificationsOutbox,
)
from services.notifications.logic import channels, directory, preferences
from services.notifications.logic.directory import Recipient
from services.notifications.logic.messages import message
from services.notifications.logic.preferences import Preferences
from services.notifications.logic.render import Rendered
from services.notifications.logic.rules import Category, Channel, Rule, rule_for, urgent
from services.shared import clock
from services.shared.audit import AuditAction, AuditOutcome, AuditRecord
from services.shared.consumer import MAX_RECEIVES, delivery_attempt
from services.shared.contracts.notifications import NotificationDelivered, NotificationFailed
from services.shared.errors import DomainError
from services.shared.events import Event
from services.shared.observability import logger, metrics
from services.shared.outbox import TransactionConflict, UnitOfWork
from services.shared.principal import Principal
from services.shared.region import RegionConfig
from services.shared.region_config import region_config

COMPONENT = "notifications-deliver"
DELIVERY_RECORD_DAYS = 30  # longer than the idempotency window and a DLQ's 14 days: a redrive stays exactly-once
HELD_RETRY = timedelta(minutes=10)  # a held message whose send failed transiently is tried again this much later


class DeliveryIncomplete(Exception):
    """Some deliveries of the event hit a transient error: the queue retries the event."""


@dataclass(frozen=True)
class Notice:
    """What one event means for every recipient: the rule applied to the event's ids, counts and dates."""

    event_id: str
    occurred_at: datetime
    region: str
    rule: Rule
    params: dict[str, Any]
    path: str

    @property
    def category(self) -> Category:
        return self.rule.category


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def notice_of(event: Event[Any]) -> Notice:
    rule = rule_for(type(event.data))
    data = event.data
    path = rule.link.format(**{name: getattr(data, name) for name in _link_fields(rule.link)})
    return Notice(
        event_id=event.metadata.event_id,
        occurred_at=event.metadata.occurred_at,
        region=event.metadata.region,
        rule=rule,
        params={name: _jsonable(getattr(data, name)) for name in rule.params},
        path=path,
    )


def _link_fields(link: str) -> list[str]:
    import string

    return [field for _, field, _, _ in string.Formatter().parse(link) if field]


def notification_id(notice: Notice, recipient_id: str) -> str:
    """One notification per (event, recipient): the same id on every channel and every retry."""
    digest = hashlib.sha256(f"{notice.event_id}|{recipient_id}".encode()).hexdigest()[:20]
    return f"ntf-{notice.occurred_at:%Y%m%d%H%M%S%f}-{digest}"


def recipients_of(event: Event[Any], rule: Rule, config: RegionConfig) -> list[Recipient]:
    ids = list(dict.fromkeys(getattr(event.data, rule.recipients)))  # each user once, in the event's order
    found = [directory.user(user_id) for user_id in ids]
    if rule.matchregie and getattr(event.data, "notify_matchregie", False):
        officer = directory.matchregie(event.data.municipality, config)
        if officer is not None and officer.id not in ids:
            found.append(officer)
    return found


def channels_for(recipient: Recipient, prefs: Preferences, category: Category) -> list[Channel]:
    if not recipient.known:  # a municipality's mailbox gets e-mail; a user gone from the directory the inbox only
        return [Channel.EMAIL] if recipient.for_matchregie else [Channel.INBOX]
    return [Channel.INBOX, *prefs.external_channels(category)]


# -- the event ---------------------------------------------------------------------------------------------------


def deliver(event: Event[Any]) -> dict[str, int]:
    """Deliver the event to everyone it concerns; raises ``DeliveryIncomplete`` if some must be retried."""
    notice = notice_of(event)
    config = region_config()
    counts = {"sent": 0, "held": 0, "failed": 0, "skipped": 0, "retry": 0, "done_before": 0}
    retry: list[tuple[Recipient, Channel, channels.Transient]] = []
    plan = []
    for recipient in recipients_of(event, notice.rule, config):
        prefs = preferences.load(recipient.id) if recipient.known else Preferences()
        plan += [(recipient, prefs, channel) for channel in channels_for(recipient, prefs, notice.category)]
    # Every inbox first: it is what the app shows at once, and no e-mail or SMS provider should delay it.
    plan.sort(key=lambda step: step[2] is not Channel.INBOX)
    for recipient, prefs, channel in plan:
        try:
            counts[deliver_one(notice, recipient, channel, prefs, config)] += 1
        except channels.Transient as error:
            counts["retry"] += 1
            retry.append((recipient, channel, error))
        except Exception as error:
            logger().exception("delivery failed unexpectedly", extra={"channel": channel.value})
            counts["retry"] += 1
            retry.append((recipient, channel, channels.Transient("error", type(error).__name__)))
    if retry:
        last = delivery_attempt() >= MAX_RECEIVES
        for recipient, channel, failure in retry:
            logger().warning(
                "delivery will be retried" if not last else "delivery gave up",
                extra={"channel": channel.value, "code": failure.code, "attempt": delivery_attempt()},
            )
            if last:
                _record_failure(notice, recipient, channel, "gave_up")
        raise DeliveryIncomplete(f"{len(retry)} deliveries of {notice.event_id} hit a transient error")
    return counts


def _key(notice_event_id: str, recipient_id: str, channel: Channel) -> tuple[str, str]:
    return f"DELIVERY#{notice_event_id}", f"{recipient_id}#{channel.value}"


def _existing(notice: Notice, recipient_id: str, channel: Channel) -> DeliveryItem | None:
    try:
        item = DeliveryItem.get(*_key(notice.event_id, recipient_id, channel), consistent_read=True)
    except DoesNotExist:
        return None
    return item if isinstance(item, DeliveryItem) else None


def _record(notice: Notice, recipient: Recipient, channel: Channel, status: str, **extra: Any) -> DeliveryItem:
    from services.shared import correlation

    now = clock.now()
    return DeliveryItem(
        *_key(notice.event_id, recipient.id, channel),
        recipient=recipient.id,
        channel=channel.value,
        status=status,
        notification_id=notification_id(notice, recipient.id),
        category=notice.category.value,
        template=notice.rule.template,
        params=json.dumps(notice.params, sort_keys=True),
        link=notice.path,
        for_matchregie=recipient.for_matchregie,
        source_event_id=notice.event_id,
        region=notice.region,
        correlation_id=correlation.current(),
        updated_at=now.isoformat(),
        expires_at=now + timedelta(days=DELIVERY_RECORD_DAYS),
        **extra,
    )


def deliver_one(
    notice: Notice, recipient: Recipient, channel: Channel, prefs: Preferences, config: RegionConfig
) -> str:
    """One delivery; returns what happened (sent, held, failed, skipped, done_before). Raises ``Transient``."""
    existing = _existing(notice, recipient.id, channel)
    if existing is not None and not (existing.status == "failed" and existing.reason == "gave_up"):
        return "done_before"
    prior = "gave_up" if existing is not None else "new"
    now = clock.now()
    quiet = prefs.quiet_hours
    if channel is not Channel.INBOX and not urgent(notice.category) and quiet is not None and quiet.contains(now):
        due = _due(quiet.end_after(now), notice, recipient, channel)
        return _commit_plain(_record(notice, recipient, channel, "held", due_shard=DUE_SHARD, due_at=due), prior)
    return send_and_record(_record(notice, recipient, channel, "sent"), recipient, prefs, config, prior=prior)


def _due(at: datetime, notice: Notice, recipient: Recipient, channel: Channel) -> str:
    return f"{at.isoformat()}#{notice.event_id}#{recipient.id}#{channel.value}"


def _commit_plain(item: DeliveryItem, prior: str = "new") -> str:
    uow = UnitOfWork(NotificationsOutbox)
    uow.save(item, condition=_fresh_or_held(prior))
    try:
        uow.commit()
    except TransactionConflict:
        return "done_before"
    return item.status


def _message(item: DeliveryItem, prefs: Preferences, config: RegionConfig) -> Rendered:
    return message(
        item.template,
        item.params,
        item.link,
        urgent=urgent(Category(item.category)),
        for_matchregie=item.for_matchregie,
        language=prefs.language,
        config=config,
    )


def send_and_record(
    item: DeliveryItem, recipient: Recipient, prefs: Preferences, config: RegionConfig, *, prior: str | None = None
) -> str:
    """Send ``item`` on its channel and record the outcome; ``item`` is new or a held record being released."""
    channel = Channel(item.channel)
    held = prior or ("held" if item.status == "held" else "new")
    uow = UnitOfWork(NotificationsOutbox)
    try:
        if channel is Channel.INBOX:
            _add_inbox_item(uow, item, config)
        else:
            _send_external(item, channel, recipient, prefs, config)
    except channels.Permanent as error:
        return _fail(item, error.reason, held=held)
    except _Skip as skip:
        return _settle(item, "skipped", skip.reason, held=held)
    item.status = "sent"
    item.updated_at = clock.now().isoformat()
    item.due_shard = None
    item.due_at = None
    uow.save(item, condition=_fresh_or_held(held))
    uow.publish(
        NotificationDelivered(
            notification_id=item.notification_id,
            source_event_id=item.source_event_id,
            recipient_id=item.recipient,
            channel=channel.value,
            category=item.category,
        )
    )
    uow.audit(_audit(item, AuditOutcome.SUCCESS))
    try:
        uow.commit()
    except TransactionConflict:
        return "done_before"
    metrics_count("NotificationsSent", channel)
    return "sent"


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _fresh_or_held(prior: str) -> Any:
    """The condition of recording a delivery: it is new, or the held one being released, or one that gave up
    before (a DLQ redrive after an outage: the deliveries that were not made are tried again)."""
    if prior == "held":
        return DeliveryItem.status == "held"
    if prior == "gave_up":
        return (DeliveryItem.status == "failed") & (DeliveryItem.reason == "gave_up")
    return DeliveryItem.pk.does_not_exist()


def _send_external(
    item: DeliveryItem, channel: Channel, recipient: Recipient, prefs: Preferences, config: RegionConfig
) -> None:
    if channel is Channel.EMAIL:
        if not recipient.email:
            raise _Skip("no_address" if recipient.known else "unknown_user")
        channels.send_email(recipient.email, _message(item, prefs, config), config.notifications.email_from)
    elif channel is Channel.SMS:
        if not recipient.phone:
            raise _Skip("no_address" if recipient.known else "unknown_user")
        channels.send_sms(recipient.phone, _message(item, prefs, config), config.notifications.sms_sender_id)
    else:
        from services.notifications.logic.devices import devices_of, forget_endpoint

        devices = devices_of(recipient.id)
        if not devices:
            raise _Skip("no_device")
        message = _message(item, prefs, config)
        sent, transient = 0, None
        for device in devices:
            try:
                channels.send_push(device.endpoint_arn, message, item.link)
                sent += 1
            except channels.Permanent:
                try:
                    forget_endpoint(device)  # disabled or gone: the app registers again when it next starts
                except DomainError:
                    logger().warning("a disabled push endpoint could not be removed; it is tried again next time")
            except channels.Transient as error:
                transient = error
        if not sent:
            if transient is not None:
                raise transient
            raise channels.Permanent("rejected", "EndpointDisabled")


def _add_inbox_item(uow: UnitOfWork, item: DeliveryItem, config: RegionConfig) -> None:
    now = clock.now()
    inbox = InboxItem(
        f"USER#{item.recipient}",
        f"INBOX#U#{item.notification_id}",
        notification_id=item.notification_id,
        category=item.category,
        template=item.template,
        params=item.params,
        link=item.link,
        urgent=urgent(Category(item.category)),
        for_matchregie=item.for_matchregie,
        created_at=now.isoformat(),
        source_event_id=item.source_event_id,
        expires_at=now + timedelta(days=config.retention.inbox_days),
    )
    uow.save(inbox, condition=InboxItem.pk.does_not_exist())


def _settle(item: DeliveryItem, status: str, reason: str, *, held: str) -> str:
    item.status = status
    item.reason = reason
    item.updated_at = clock.now().isoformat()
    item.due_shard = None
    item.due_at = None
    uow = UnitOfWork(NotificationsOutbox)
    uow.save(item, condition=_fresh_or_held(held))
    try:
        uow.commit()
    except TransactionConflict:
        return "done_before"
    return status


def _fail(item: DeliveryItem, reason: str, *, held: str) -> str:
    item.status = "failed"
    item.reason = reason
    item.updated_at = clock.now().isoformat()
    item.due_shard = None
    item.due_at = None
    uow = UnitOfWork(NotificationsOutbox)
    uow.save(item, condition=_fresh_or_held(held))
    uow.publish(
        NotificationFailed(
            notification_id=item.notification_id,
            source_event_id=item.source_event_id,
            recipient_id=item.recipient,
            channel=item.channel,  # type: ignore[arg-type]
            category=item.category,
            reason=reason,
        )
    )
    uow.audit(_audit(item, AuditOutcome.FAILURE))
    try:
        uow.commit()
    except TransactionConflict:
        return "done_before"
    metrics_count("NotificationsFailed", Channel(item.channel))
    logger().warning("notification failed", extra={"channel": item.channel, "reason": reason})
    return "failed"


def _record_failure(notice: Notice, recipient: Recipient, channel: Channel, reason: str) -> None:
    existing = _existing(notice, recipient.id, channel)
    if existing is not None and existing.status != "held":
        return
    item = existing or _record(notice, recipient, channel, "failed")
    _fail(item, reason, held="held" if existing is not None else "new")


def _audit(item: DeliveryItem, outcome: AuditOutcome) -> AuditRecord:
    actor = Principal.for_system(COMPONENT, item.region)
    return AuditRecord.by(
        actor,
        service="notifications",
        event=f"notification.{item.channel}",
        action=AuditAction.TRANSFER,
        basis=f"notification of {item.template}",
        objects=(
            f"notification:{item.notification_id}",
            f"event:{item.source_event_id}",
            f"recipient:{item.recipient}",
        ),
        outcome=outcome,
    )


def metrics_count(name: str, channel: Channel) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    recorder = metrics()
    recorder.add_metric(name=name, unit=MetricUnit.Count, value=1)
    recorder.add_metadata(key="channel", value=channel.value)


# -- held deliveries (the sweeper) -----------------------------------------------------------------------------


def release_held(now: datetime, limit: int = 100) -> dict[str, int]:
    """Send the held deliveries whose quiet hours have ended."""
    counts = {"sent": 0, "failed": 0, "skipped": 0, "later": 0, "done_before": 0}
    config = region_config()
    due = DeliveryItem.by_due.query(DUE_SHARD, DeliveryItem.due_at <= f"{now.isoformat()}~", limit=limit)
    for item in due:
        if not isinstance(item, DeliveryItem) or item.status != "held":
            continue
        recipient = (
            directory.user(item.recipient)
            if not item.recipient.startswith("matchregie:")
            else directory.matchregie(item.recipient.split(":", 1)[1], config)
        )
        if recipient is None:
            counts[_settle(item, "skipped", "unknown_user", held="held")] += 1
            continue
        prefs = preferences.load(recipient.id) if recipient.known else Preferences()
        try:
            counts[send_and_record(item, recipient, prefs, config)] += 1
        except channels.Transient:
            counts["later"] += 1
            _postpone(item, now)
        except Exception:
            logger().exception("a held delivery could not be sent", extra={"channel": item.channel})
            counts["later"] += 1
            _postpone(item, now)
    return counts


def _postpone(item: DeliveryItem, now: datetime) -> None:
    attempts = (item.attempts or 0) + 1
    if attempts >= MAX_RECEIVES:
        _fail(item, "gave_up", held="held")
        return
    later = now + HELD_RETRY * attempts
    due = f"{later.isoformat()}#{item.due_at.split('#', 1)[1] if item.due_at else item.pk}"
    try:
        item.update(
            actions=[DeliveryItem.attempts.set(attempts), DeliveryItem.due_at.set(due)],
            condition=DeliveryItem.status == "held",
        )
    except Exception:
        logger().info("held delivery settled meanwhile")
