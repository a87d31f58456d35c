"""Every minute, per organisation that answers 24/7 contacts:

- a conversation whose nurse vanished (no heartbeat for ``VANISHED_AFTER``) goes back to the queue, so the
  parent gets another nurse instead of waiting on nobody;
- a contact left waiting at the family's own organisation with nobody on duty there for it (closing time)
  goes to the out-of-hours partner, as an overflow;
- offers that ran out go to the next nurse, waiting contacts are offered;
- a contact waiting past its service level is escalated once (``ContactWaitingTooLong`` to the nurses on duty
  and the team leads);
- the queue's state goes to CloudWatch."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.shared.audit import AuditAction
from services.shared.contracts.video import ContactWaitingTooLong
from services.shared.observability import logger
from services.shared.outbox import TransactionConflict
from services.shared.region_config import region_config
from services.video.dal import repository as repo
from services.video.logic import dispatch, metrics, roster
from services.video.logic.contacts import team_user_ids
from services.video.logic.dispatch import expires, record, system
from services.video.logic.meetings import provider
from services.video.models.contact import Contact

VANISHED_AFTER = timedelta(minutes=5)  # beyond the presence timeout: an app restart is not a vanished nurse


def sweep(now: datetime) -> dict[str, int]:
    config = region_config().contact_247
    counts = {"offered": 0, "escalated": 0, "waiting": 0, "requeued": 0, "moved": 0}
    organisations = sorted(roster.answering_organisations(config))
    read: dict[str, list[Contact]] = {}  # each queue read once, again only after this sweep changed it
    for organization in organisations:
        open_ = repo.queue(organization)
        requeued = sum(_requeue(c, now) for c in open_ if c.status == "active" and _vanished(c, now))
        moved = 0
        if organization != config.out_of_hours_partner:
            moved = sum(_overflow(c, now) for c in open_ if c.status == "waiting" and _stranded(c, now))
        counts["requeued"] += requeued
        counts["moved"] += moved
        if not requeued and not moved:
            read[organization] = open_
        if moved:
            read.pop(config.out_of_hours_partner, None)
    for organization in organisations:
        offered = dispatch.dispatch(organization, now, queued=read.get(organization))
        counts["offered"] += len(offered)
        queued = read[organization] if organization in read and not offered else repo.queue(organization)
        waiting = [c for c in queued if c.status in ("waiting", "offered")]
        counts["waiting"] += len(waiting)
        late = [c for c in waiting if not c.escalated and c.waited_seconds(now) > _target(c)]
        if late:
            nurses = [c.nurse.user_id for c in roster.candidates(organization, now, config)]
            leads = team_user_ids(organization, "leads")
            for contact in late:
                counts["escalated"] += _escalate(contact, sorted({*nurses, *leads}), now)
        metrics.emit(organization, "ContactsWaiting", len(waiting))
        longest = max((c.waited_seconds(now) for c in waiting), default=0)
        metrics.emit(organization, "LongestWaitSeconds", longest, unit="Seconds")
    return counts


def _target(contact: Contact) -> int:
    levels = region_config().contact_247.service_levels
    return (levels.urgent if contact.urgency == "urgent" else levels.normal).answer_within_seconds


def _escalate(contact: Contact, recipients: list[str], now: datetime) -> int:
    flagged = contact.model_copy(update={"escalated": True, "revision": contact.revision + 1})
    try:
        with repo.unit_of_work() as uow:
            repo.save_contact(uow, flagged, previous=contact, expires_at=expires(flagged))
            uow.publish(
                ContactWaitingTooLong(
                    contact_id=contact.id,
                    organization=contact.organization,
                    urgency=contact.urgency,
                    waited_seconds=contact.waited_seconds(now),
                    recipients=recipients,
                )
            )
            uow.audit(record(system(), flagged, "contact.escalate", AuditAction.UPDATE, basis="service levels"))
    except TransactionConflict:
        return 0  # it changed meanwhile (accepted, offered): the next minute looks again
    metrics.emit(contact.organization, "ContactsWaitingTooLong", 1)
    return 1


def _vanished(contact: Contact, now: datetime) -> bool:
    presence = repo.get_presence(contact.nurse_id or "")
    if presence is None:
        return True
    timeout = timedelta(seconds=region_config().contact_247.presence_timeout_seconds)
    return datetime.fromisoformat(presence.heartbeat_at) < now - timeout - VANISHED_AFTER


def _requeue(contact: Contact, now: datetime) -> int:
    """The nurse's app is gone: the contact waits again (the chat stays; a meeting is deleted, so the old join
    token is void), the nurse's slot is freed, and the next nurse will be offered it."""
    if contact.meeting_id:
        provider().delete_meeting(contact.meeting_id)
    back = contact.model_copy(
        update={"status": "waiting", "nurse_id": None, "accepted_at": None, "meeting_id": None,
                "passed": [*contact.passed, contact.nurse_id or ""], "revision": contact.revision + 1,
                "video_ended_at": now if contact.meeting_id else contact.video_ended_at}
    )  # fmt: skip
    try:
        with repo.unit_of_work() as uow:
            if contact.nurse_id:
                repo.release_if_held(uow, contact.nurse_id)
            repo.save_contact(uow, back, previous=contact, expires_at=expires(back))
            uow.audit(record(system(), back, "contact.requeue", AuditAction.UPDATE, basis="nurse not present"))
    except TransactionConflict:
        return 0
    logger().warning("a conversation went back to the queue: its nurse is gone", extra={"contact_id": contact.id})
    return 1


def _stranded(contact: Contact, now: datetime) -> bool:
    config = region_config().contact_247
    return not roster.staffed(contact.organization, now, config, contact.channel, contact.language)


def _overflow(contact: Contact, now: datetime) -> int:
    partner = region_config().contact_247.out_of_hours_partner
    moved = contact.model_copy(
        update={"organization": partner, "reason": "overflow", "passed": [], "revision": contact.revision + 1}
    )
    try:
        with repo.unit_of_work() as uow:
            repo.save_contact(uow, moved, previous=contact, expires_at=expires(moved))
            uow.audit(record(system(), moved, "contact.overflow", AuditAction.TRANSFER, basis="routing rules"))
    except TransactionConflict:
        return 0
    return 1
