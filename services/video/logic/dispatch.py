"""Offers: a waiting contact goes to one nurse at a time; an offer not accepted in time goes back to the queue
and on to the next nurse.

The claim is one transaction: the contact moves from ``waiting`` to ``offered`` on the condition that nobody
changed it since it was read (its revision), and the nurse's count of contacts goes up on the condition that
it stays within their limit and that they are available with a fresh heartbeat. So two nurses never hold the
same contact and no nurse goes over capacity, however many functions dispatch at once; a lost race is simply
read again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Literal

from services.shared.audit import AuditAction, AuditOutcome, AuditRecord
from services.shared.contracts.video import ContactOffered
from services.shared.outbox import TransactionConflict
from services.shared.principal import Principal
from services.shared.region_config import region_config
from services.shared.settings import get_settings
from services.video.dal import repository as repo
from services.video.logic import roster
from services.video.logic.routing import pick
from services.video.models.contact import Contact

COMPONENT = "video-dispatch"
MAX_ROUNDS = 3  # re-reads after lost races, per dispatch


def system() -> Principal:
    return Principal.for_system(COMPONENT, get_settings().region)


def record(
    actor: Principal,
    contact: Contact,
    event: str,
    action: AuditAction,
    *,
    basis: str = "24/7 contact: party to the contact",
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
) -> AuditRecord:
    """The audit record of ``actor`` touching ``contact``; the client is the parent (their user id)."""
    return AuditRecord.by(
        actor, service="video", event=event, action=action, basis=basis, client=contact.parent_id,
        objects=(f"contact:{contact.id}",), outcome=outcome,
    )  # fmt: skip


def expires(contact: Contact) -> datetime:
    """When the contact (and so its log) goes: the region's transcript period after it ends (or was asked)."""
    days = region_config().retention.chat_transcript_days
    return repo.retention(contact.ended_at or contact.requested_at, days + (0 if contact.ended_at else 1))


def dispatch(
    organization: str,
    now: datetime,
    *,
    queued: list[Contact] | None = None,
    candidates: list[roster.Candidate] | None = None,
) -> list[str]:
    """Take back offers that ran out and offer waiting contacts to nurses who can take them; the ids offered.
    ``queued`` and ``candidates``: the organisation's queue and nurses if the caller has just read them."""
    offered: list[str] = []
    for _ in range(MAX_ROUNDS):
        if queued is None:
            queued = repo.queue(organization)
        lost = False
        back: dict[str, Contact] = {}
        for contact in queued:
            if contact.status == "offered" and contact.offer_expires_at and contact.offer_expires_at <= now:
                waiting_again = take_back(contact, now)
                if waiting_again is None:
                    lost = True
                else:
                    back[contact.id] = waiting_again
        waiting = [back.get(c.id, c) for c in queued if c.status == "waiting" or c.id in back]
        if not waiting and not lost:
            return offered
        if candidates is None:
            candidates = roster.candidates(organization, now, region_config().contact_247)
        for contact in waiting:
            nurse = _offer_one(contact, candidates, now)
            if nurse is None:
                continue
            if nurse is False:
                lost = True
                continue
            offered.append(contact.id)
            candidates = [_one_more(c) if c.nurse.user_id == nurse else c for c in candidates]
        if not lost:
            return offered
        queued = candidates = None  # a race was lost: read both again
    return offered


def _one_more(candidate: roster.Candidate) -> roster.Candidate:
    return replace(candidate, nurse=replace(candidate.nurse, active=candidate.nurse.active + 1))


def _offer_one(contact: Contact, candidates: list[roster.Candidate], now: datetime) -> str | Literal[False] | None:
    """Offer the contact to the best nurse: their id when offered, False when a race was lost, None when nobody
    fits."""
    config = region_config().contact_247
    fitting = [c.nurse for c in candidates if c.takes(contact.channel) and c.nurse.user_id != contact.parent_id]
    fresh = [n for n in fitting if n.user_id not in contact.passed]
    nurse = pick(fresh, contact.organization, contact.language, config.max_parallel_chats) or pick(
        fitting, contact.organization, contact.language, config.max_parallel_chats
    )
    if nurse is None:
        return None
    expires_at = now + timedelta(seconds=config.offer_timeout_seconds)
    offered = contact.model_copy(
        update={
            "status": "offered", "offered_to": nurse.user_id, "offer_expires_at": expires_at,
            "attempts": contact.attempts + 1, "revision": contact.revision + 1,
        }
    )  # fmt: skip
    try:
        with repo.unit_of_work() as uow:
            repo.reserve(uow, nurse.user_id, fresh_since=roster.fresh_since(now, config), available=True)
            repo.save_contact(uow, offered, previous=contact, expires_at=expires(offered))
            uow.publish(
                ContactOffered(
                    contact_id=contact.id,
                    nurse_id=nurse.user_id,
                    offer_expires_at=expires_at,
                    recipients=[nurse.user_id],
                )
            )
            uow.audit(record(system(), offered, "contact.offer", AuditAction.UPDATE, basis="routing rules"))
    except TransactionConflict:
        return False
    return nurse.user_id


def take_back(contact: Contact, now: datetime) -> Contact | None:
    """The offer ran out (or the nurse went away): the contact waits again (the nurse goes to the back of its
    list), the nurse is freed. The contact as it waits again, or None when it changed meanwhile."""
    assert contact.offered_to is not None
    back = contact.model_copy(
        update={
            "status": "waiting", "offered_to": None, "offer_expires_at": None,
            "passed": [*contact.passed, contact.offered_to], "revision": contact.revision + 1,
        }
    )  # fmt: skip
    try:
        with repo.unit_of_work() as uow:
            repo.release_if_held(uow, contact.offered_to)
            repo.save_contact(uow, back, previous=contact, expires_at=expires(back))
            uow.audit(record(system(), back, "contact.offer_expired", AuditAction.UPDATE, basis="routing rules"))
    except TransactionConflict:
        return None
    return back
