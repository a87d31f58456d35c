"""Every minute, per organisation that answers 24/7 contacts: offers that ran out go to the next nurse, waiting
contacts are offered, a contact waiting past its service level is escalated once (``ContactWaitingTooLong`` to
the nurses on duty and the team leads), and the queue's state goes to CloudWatch."""

from __future__ import annotations

from datetime import datetime

from services.shared.audit import AuditAction
from services.shared.contracts.video import ContactWaitingTooLong
from services.shared.outbox import TransactionConflict
from services.shared.region_config import region_config
from services.video.dal import repository as repo
from services.video.logic import dispatch, metrics, roster
from services.video.logic.contacts import team_user_ids
from services.video.logic.dispatch import expires, record, system
from services.video.models.contact import Contact


def sweep(now: datetime) -> dict[str, int]:
    config = region_config().contact_247
    counts = {"offered": 0, "escalated": 0, "waiting": 0}
    for organization in sorted(roster.answering_organisations(config)):
        counts["offered"] += len(dispatch.dispatch(organization, now))
        queued = repo.queue(organization)
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
