"""The in-app inbox: a recipient's own notifications, unread first, newest first; titles in their language."""

from __future__ import annotations

import contextlib
from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from services.notifications.dal.tables import InboxItem, NotificationsItem, NotificationsOutbox
from services.notifications.logic import preferences
from services.notifications.logic.messages import message
from services.shared import clock
from services.shared.errors import NotFound
from services.shared.observability import logger
from services.shared.outbox import TransactionConflict, UnitOfWork
from services.shared.paging import decode_cursor, page
from services.shared.region_config import region_config

UNREAD, READ = "INBOX#U#", "INBOX#R#"
READ_ALL_BATCH = 25  # moves per transaction: a delete and a put each, well under the 100-item limit


def _pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _live(now: datetime) -> Condition:
    return InboxItem.expires_at > now  # an expired item may wait up to two days for DynamoDB's TTL


def list_items(user_id: str, limit: int, cursor: str | None) -> tuple[list[InboxItem], str | None]:
    results = NotificationsItem.query(
        _pk(user_id),
        NotificationsItem.sk.startswith("INBOX#"),
        filter_condition=_live(clock.now()),
        scan_index_forward=False,  # U before R, newest first within each
        limit=limit,
        last_evaluated_key=decode_cursor(cursor),
        consistent_read=True,
    )
    items, nxt = page(results, limit)
    return [i for i in items if isinstance(i, InboxItem)], nxt


def unread_count(user_id: str) -> int:
    """A ``Select=COUNT`` query: DynamoDB counts, nothing is returned."""
    return NotificationsItem.count(
        _pk(user_id),
        NotificationsItem.sk.startswith(UNREAD),
        filter_condition=_live(clock.now()),
        consistent_read=True,
    )


def _get(user_id: str, notification_id: str) -> InboxItem | None:
    for prefix in (UNREAD, READ):
        try:
            item = InboxItem.get(_pk(user_id), prefix + notification_id, consistent_read=True)
        except DoesNotExist:
            continue
        if isinstance(item, InboxItem) and (item.expires_at is None or item.expires_at > clock.now()):
            return item
    return None


def _move_to_read(uow: UnitOfWork, item: InboxItem, now: datetime) -> None:
    read = InboxItem(
        item.pk,
        READ + item.notification_id,
        notification_id=item.notification_id,
        category=item.category,
        template=item.template,
        params=item.params,
        link=item.link,
        urgent=item.urgent,
        for_matchregie=item.for_matchregie,
        created_at=item.created_at,
        read_at=now.isoformat(),
        source_event_id=item.source_event_id,
        expires_at=item.expires_at,
    )
    uow.delete(item, condition=InboxItem.sk.exists())
    uow.save(read, condition=InboxItem.sk.does_not_exist())


def mark_read(user_id: str, notification_id: str) -> InboxItem:
    item = _get(user_id, notification_id)
    if item is None:
        raise NotFound("no such notification of yours", code="notification_not_found")
    if item.sk.startswith(READ):
        return item
    now = clock.now()
    uow = UnitOfWork(NotificationsOutbox)
    _move_to_read(uow, item, now)
    with contextlib.suppress(TransactionConflict):  # marked read at the same moment elsewhere: same outcome
        uow.commit()
    found = _get(user_id, notification_id)
    if found is None:
        raise NotFound("no such notification of yours", code="notification_not_found")
    return found


def mark_all_read(user_id: str) -> int:
    now = clock.now()
    unread = [
        i
        for i in NotificationsItem.query(
            _pk(user_id), NotificationsItem.sk.startswith(UNREAD), filter_condition=_live(now), consistent_read=True
        )
        if isinstance(i, InboxItem)
    ]
    marked = 0
    for start in range(0, len(unread), READ_ALL_BATCH):
        uow = UnitOfWork(NotificationsOutbox)
        batch = unread[start : start + READ_ALL_BATCH]
        for item in batch:
            _move_to_read(uow, item, now)
        try:
            uow.commit()
            marked += len(batch)
        except TransactionConflict:
            for item in batch:  # one was marked read meanwhile: do the rest one by one
                try:
                    mark_read(user_id, item.notification_id)
                    marked += 1
                except NotFound:
                    continue
    return marked


FALLBACK_TITLES = {"nl": "Er is iets nieuws voor u in Jeugdketen", "en": "There is something new for you in Jeugdketen"}


def title_of(item: InboxItem, language: str) -> str:
    """The inbox title: the template's subject in the reader's language (a general title if it will not render,
    e.g. a template renamed since: one item must never break the whole inbox)."""
    try:
        return _subject(item, language)
    except Exception:
        logger().exception("an inbox title could not be rendered", extra={"template": item.template})
        return FALLBACK_TITLES.get(language, FALLBACK_TITLES["nl"])


def _subject(item: InboxItem, language: str) -> str:
    rendered = message(
        item.template,
        item.params,
        item.link,
        urgent=item.urgent,
        for_matchregie=bool(item.for_matchregie),
        language=language,
        config=region_config(),
    )
    return rendered.subject


def language_of(user_id: str) -> str:
    return preferences.load(user_id).language
