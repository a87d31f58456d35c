"""The only place that knows how the video service is laid out in DynamoDB. Reads are gets and queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from services.shared import clock
from services.shared.outbox import UnitOfWork
from services.video.dal.tables import (
    ContactItem,
    ContactPointer,
    MessageItem,
    OpenContact,
    PresenceItem,
    ShiftItem,
    VideoItem,
    VideoOutbox,
)
from services.video.models.contact import OPEN, Contact

PRESENCE = "PRESENCE"


def unit_of_work() -> UnitOfWork:
    return UnitOfWork(VideoOutbox)


def stamp(at: datetime) -> str:
    """Instants as stored: UTC ISO 8601, so strings compare as the instants do (conditions, sort keys)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


# -- contacts -------------------------------------------------------------------------------------------------------
def contact_key(contact_id: str) -> str:
    return f"CONTACT#{contact_id}"


def alive(item: VideoItem) -> bool:
    """Not past its retention (TTL deletes some time after ``expires_at``; until then reads skip the item)."""
    return item.expires_at is None or item.expires_at > clock.now()


def get_contact(contact_id: str) -> Contact | None:
    try:
        item = ContactItem.get(contact_key(contact_id), "CONTACT", consistent_read=True)
    except DoesNotExist:
        return None
    if not isinstance(item, ContactItem) or not alive(item):
        return None
    return Contact.model_validate_json(item.document)


def queue_rank(contact: Contact) -> str:
    """Waiting and offered contacts: urgent first, then oldest; active ones after all of them."""
    order = 2 if contact.status == "active" else 0 if contact.urgency == "urgent" else 1
    return f"{order}#{stamp(contact.requested_at)}#{contact.id}"


def save_contact(uow: UnitOfWork, contact: Contact, *, previous: Contact | None, expires_at: datetime) -> int:
    """Add the contact to ``uow``, conditional on the revision it was read at (new: on not existing yet). It is in
    its organisation's index while open (waiting, offered, active)."""
    queued = contact.status in OPEN
    item = ContactItem(
        contact_key(contact.id), "CONTACT", revision=contact.revision, document=contact.model_dump_json(),
        queue_org=contact.organization if queued else None, queue_rank=queue_rank(contact) if queued else None,
        expires_at=expires_at,
    )  # fmt: skip
    if previous is None:
        return uow.save(item, condition=ContactItem.pk.does_not_exist())
    return uow.save(item, condition=ContactItem.revision == previous.revision)


def queue(organization: str, limit: int = 100) -> list[Contact]:
    """The organisation's open contacts: waiting and offered ones urgent first, then oldest, then the active ones
    (the index is eventually consistent: every write re-checks the revision)."""
    found = VideoItem.by_queue.query(organization, limit=limit)
    return [Contact.model_validate_json(i.document) for i in found if isinstance(i, ContactItem)]


def queue_position(contact: Contact) -> int:
    """1 = next in line: the queued contacts (waiting or being offered) ranked before it, plus one."""
    ahead = VideoItem.by_queue.query(contact.organization, VideoItem.queue_rank < queue_rank(contact))
    return 1 + sum(1 for i in ahead if isinstance(i, ContactItem))


def add_pointer(uow: UnitOfWork, user_id: str, contact: Contact, expires_at: datetime) -> None:
    """The contact is the user's (written again when it ends, so it expires with the contact)."""
    uow.save(
        ContactPointer(
            f"USER#{user_id}", f"CONTACT#{stamp(contact.requested_at)}#{contact.id}", contact_id=contact.id,
            expires_at=expires_at,
        )
    )  # fmt: skip


def open_contact(parent_id: str) -> OpenContact | None:
    try:
        item = OpenContact.get(f"USER#{parent_id}", "OPEN", consistent_read=True)
    except DoesNotExist:
        return None
    return item if isinstance(item, OpenContact) else None


def claim_open(uow: UnitOfWork, parent_id: str, contact: Contact, *, replaces: str | None, expires_at: datetime) -> int:
    """The parent's one open contact: on the condition that there is none (or still the closed one read)."""
    item = OpenContact(f"USER#{parent_id}", "OPEN", contact_id=contact.id, expires_at=expires_at)
    condition = OpenContact.pk.does_not_exist() if replaces is None else OpenContact.contact_id == replaces
    return uow.save(item, condition=condition)


def free_open(uow: UnitOfWork, parent_id: str) -> None:
    uow.delete(OpenContact(f"USER#{parent_id}", "OPEN", contact_id=""))


def contacts_of(user_id: str, limit: int = 20) -> list[Contact]:
    """The user's contacts, newest first."""
    pointers = VideoItem.query(
        f"USER#{user_id}", VideoItem.sk.startswith("CONTACT#"), scan_index_forward=False, limit=limit
    )
    ids = [p.contact_id for p in pointers if isinstance(p, ContactPointer)]
    if not ids:
        return []
    found = {
        i.pk: Contact.model_validate_json(i.document)
        for i in ContactItem.batch_get([(contact_key(c), "CONTACT") for c in ids])
        if isinstance(i, ContactItem) and alive(i)
    }
    return [found[contact_key(c)] for c in ids if contact_key(c) in found]


# -- messages -------------------------------------------------------------------------------------------------------
def add_message(uow: UnitOfWork, message: MessageItem) -> None:
    uow.save(message, condition=MessageItem.sk.does_not_exist())


def messages(contact_id: str, after: str | None, limit: int) -> list[MessageItem]:
    condition = VideoItem.sk > f"MSG#{after}" if after else VideoItem.sk.startswith("MSG#")
    found = VideoItem.query(contact_key(contact_id), condition, consistent_read=True, limit=limit)
    return [m for m in found if isinstance(m, MessageItem) and m.sk.startswith("MSG#") and alive(m)]


# -- presence -------------------------------------------------------------------------------------------------------
def nurse_key(user_id: str) -> str:
    return f"NURSE#{user_id}"


def get_presence(user_id: str) -> PresenceItem | None:
    try:
        item = PresenceItem.get(nurse_key(user_id), PRESENCE, consistent_read=True)
    except DoesNotExist:
        return None
    return item if isinstance(item, PresenceItem) else None


def presences(organization: str) -> list[PresenceItem]:
    return [i for i in VideoItem.by_presence.query(organization) if isinstance(i, PresenceItem)]


def reserve(uow: UnitOfWork, nurse_id: str, *, fresh_since: datetime, available: bool) -> int:
    """One more contact for the nurse, on the condition that it keeps them within their limit (and, for an offer,
    that they are available and their last heartbeat is after ``fresh_since``)."""
    condition = (PresenceItem.active < PresenceItem.limit) & (PresenceItem.heartbeat_at >= stamp(fresh_since))
    condition &= PresenceItem.status == "available" if available else PresenceItem.status != "away"
    return uow.update(PresenceItem(nurse_key(nurse_id), PRESENCE), [PresenceItem.active.add(1)], condition=condition)


def release_if_held(uow: UnitOfWork, nurse_id: str, *, idle_since: datetime | None = None) -> None:
    """``release`` when the nurse's presence counts a contact; a presence that is gone (it expires 30 days after
    the last heartbeat) or already at zero must not block the contact's own change."""
    presence = get_presence(nurse_id)
    if presence is not None and int(presence.active) > 0:
        release(uow, nurse_id, idle_since=idle_since)


def release(uow: UnitOfWork, nurse_id: str, *, idle_since: datetime | None = None) -> int:
    """One contact fewer for the nurse (never below zero); ``idle_since`` when they finished work."""
    actions: list[Any] = [PresenceItem.active.add(-1)]
    if idle_since is not None:
        actions.append(PresenceItem.idle_since.set(stamp(idle_since)))
    return uow.update(PresenceItem(nurse_key(nurse_id), PRESENCE), actions, condition=PresenceItem.active > 0)


# -- roster ---------------------------------------------------------------------------------------------------------
def roster_key(day: date) -> str:
    return f"ROSTER#{day.isoformat()}"


def shifts_on(day: date, organization: str | None = None) -> list[ShiftItem]:
    condition = VideoItem.sk.startswith(f"{organization}#") if organization else None
    found = VideoItem.query(roster_key(day), condition, consistent_read=True)
    return [s for s in found if isinstance(s, ShiftItem)]


def replace_roster(uow: UnitOfWork, day: date, organization: str, shifts: Iterable[ShiftItem]) -> None:
    new = {s.sk: s for s in shifts}
    for old in shifts_on(day, organization):
        if old.sk not in new:
            uow.delete(old)
    for shift in new.values():
        uow.save(shift)


def shift_key(organization: str, start: datetime, nurse_id: str) -> str:
    return f"{organization}#{stamp(start)}#{nurse_id}"


def retention(at: datetime, days: int) -> datetime:
    return at + timedelta(days=days)
