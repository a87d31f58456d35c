"""The chat of a contact: for its parent and the nurse who holds it, nobody else. Messages expire with the
region's transcript period (``retention.chat_transcript_days``)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from services.shared import audit
from services.shared.audit import AuditAction
from services.shared.errors import Conflict, Unprocessable
from services.shared.principal import Principal
from services.shared.region_config import region_config
from services.video.dal import repository as repo
from services.video.dal.tables import MessageItem
from services.video.logic.contacts import load
from services.video.logic.dispatch import record
from services.video.models.api import MessagePage, MessageView, NewMessage
from services.video.models.contact import QUEUED

MESSAGE_ID = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{8}$")  # UTC time to the microsecond: ids sort as they were sent
PAGE = 100


def post(principal: Principal, contact_id: str, message: NewMessage, now: datetime) -> MessageView:
    contact = load(principal, contact_id, event="contact.message.create")
    sender = contact.party(principal.user_id)
    assert sender is not None
    open_for = QUEUED | {"active"} if sender == "parent" else {"active"}
    if contact.status not in open_for:
        raise Conflict("this conversation has ended", code="contact_closed")
    message_id = f"{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"  # URL-safe as it is
    item = MessageItem(
        repo.contact_key(contact.id), f"MSG#{message_id}", sender=sender, sender_id=principal.user_id,
        text=message.text, sent_at=repo.stamp(now),
        expires_at=repo.retention(now, region_config().retention.chat_transcript_days),
    )  # fmt: skip
    with repo.unit_of_work() as uow:
        repo.add_message(uow, item)
        uow.audit(record(principal, contact, "contact.message.create", AuditAction.CREATE))
    return _view(item, principal.user_id)


def read(principal: Principal, contact_id: str, after: str | None) -> MessagePage:
    if after is not None and not MESSAGE_ID.match(after):
        raise Unprocessable("after is the id of a message this API gave out", details={"field": "after"})
    contact = load(principal, contact_id, event="contact.message.read")
    found = repo.messages(contact.id, after, PAGE)
    audit.write(record(principal, contact, "contact.message.read", AuditAction.READ))
    views = [_view(m, principal.user_id) for m in found]
    return MessagePage(messages=views, after=views[-1].id if views else after)


def _view(item: MessageItem, viewer: str) -> MessageView:
    return MessageView(
        id=item.sk.removeprefix("MSG#"),
        sender="nurse" if item.sender == "nurse" else "parent",
        mine=item.sender_id == viewer,
        text=item.text,
        sent_at=datetime.fromisoformat(item.sent_at),
    )
