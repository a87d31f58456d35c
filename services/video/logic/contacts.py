"""A parent's contact from request to end: routing, the queue, accepting, ending, the handover.

Who may see a contact: its parent, the nurse who holds it, and - while it waits - the nurses of the
organisation it was routed to (only its topic, the child's age and the waiting time: ``GET /video/queue``).
Anyone else gets 404, audited as denied.
"""

from __future__ import annotations

import math
import time
import uuid
from datetime import datetime
from typing import Literal

from services.shared import audit
from services.shared.audit import AuditAction, AuditOutcome
from services.shared.contracts.video import (
    ContactAbandoned,
    ContactAccepted,
    ContactEnded,
    ContactHandover,
    ContactRequested,
)
from services.shared.directory import find_user
from services.shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.shared.observability import logger
from services.shared.outbox import TransactionConflict
from services.shared.principal import Principal
from services.shared.region_config import region_config
from services.shared.settings import get_settings
from services.video.dal import repository as repo
from services.video.logic import dispatch, metrics, roster
from services.video.logic.dispatch import expires, record
from services.video.logic.meetings import provider
from services.video.logic.routing import pick, route, spare, within_office_hours
from services.video.models.api import (
    ContactPage,
    ContactView,
    EndContact,
    NewContact,
    QueueEntry,
    QueueView,
    VideoState,
)
from services.video.models.contact import OPEN, QUEUED, Contact

NOTICES = {
    "overflow": "Uw eigen JGZ-team is nu bezet; een verpleegkundige van de avond- en nachtdienst helpt u. "
    "(Your own JGZ team is busy right now; a nurse of the out-of-hours service will help you.)",
}


MAX_RETRIES = 3  # re-reads after a lost race, where the caller's intent still holds


def new_id() -> str:
    return f"con-{uuid.uuid4().hex[:16]}"


# -- reading ------------------------------------------------------------------------------------------------------
def load(principal: Principal, contact_id: str, *, event: str) -> Contact:
    """The contact if the caller is one of its parties; 404 (audited as denied) for anyone else."""
    contact = repo.get_contact(contact_id)
    if contact is None or contact.party(principal.user_id) is None:
        if contact is not None:
            audit.write(record(principal, contact, event, AuditAction.READ, outcome=AuditOutcome.DENIED))
        raise NotFound("no such contact of yours", code="contact_not_found")
    return contact


def view(contact: Contact, viewer: str, now: datetime) -> ContactView:
    you_are = contact.party(viewer) or "nurse"
    position = expected = None
    if contact.status in QUEUED:
        position = repo.queue_position(contact)
        expected = 0 if contact.status == "offered" else expected_wait(contact, position, now)
    return ContactView(
        id=contact.id, status=contact.status, channel=contact.channel, topic=contact.topic.value,
        urgency=contact.urgency, language=contact.language, child_age_months=contact.child_age_months,
        organization=contact.organization, routed=contact.reason, notice=NOTICES.get(contact.reason),
        requested_at=contact.requested_at, queue_position=position, expected_wait_seconds=expected,
        accepted_at=contact.accepted_at, ended_at=contact.ended_at, outcome=contact.outcome,
        referral_to=contact.referral_to.value if contact.referral_to else None,
        callback_phone=contact.callback_phone if you_are == "nurse" else None, you_are=you_are,
        video=VideoState(
            active=contact.meeting_id is not None, started_at=contact.video_started_at,
            ended_at=contact.video_ended_at,
        ),
    )  # fmt: skip


def expected_wait(contact: Contact, position: int, now: datetime) -> int | None:
    """A rough estimate: with every slot of the nurses on duty taken, one frees up every average contact time
    divided by the number of slots. None when nobody is on duty for it."""
    config = region_config().contact_247
    on_duty = [
        c for c in roster.candidates(contact.organization, now, config)
        if c.takes(contact.channel) and contact.language in c.nurse.languages
    ]  # fmt: skip
    slots = sum(min(c.nurse.capacity, config.max_parallel_chats) for c in on_duty)
    if slots == 0:
        return None
    free = sum(spare(c.nurse, config.max_parallel_chats) for c in on_duty if c.nurse.available)
    if position <= free:
        return 0
    return math.ceil((position - free) * config.average_contact_minutes * 60 / slots)


def get(principal: Principal, contact_id: str, now: datetime) -> ContactView:
    contact = load(principal, contact_id, event="contact.read")
    audit.write(record(principal, contact, "contact.read", AuditAction.READ))
    return view(contact, principal.user_id, now)


def mine(principal: Principal, now: datetime) -> ContactPage:
    contacts = repo.contacts_of(principal.user_id)
    if contacts:
        audit.write_many([record(principal, c, "contact.list", AuditAction.SEARCH) for c in contacts])
    return ContactPage(contacts=[view(c, principal.user_id, now) for c in contacts])


def queue(principal: Principal, now: datetime) -> QueueView:
    """What waits for the nurse's organisation: no content beyond topic, age and waiting time."""
    organization = principal.organization
    if not organization or organization not in roster.answering_organisations(region_config().contact_247):
        raise Forbidden("your organisation takes no 24/7 contacts in this region")
    contacts = [c for c in repo.queue(organization) if c.status in QUEUED]
    basis = "role: nurse of the organisation the contact waits for"
    if contacts:
        audit.write_many([record(principal, c, "queue.read", AuditAction.SEARCH, basis=basis) for c in contacts])
    else:
        audit.write(
            audit.AuditRecord.by(
                principal,
                service="video",
                event="queue.read",
                action=AuditAction.SEARCH,
                basis=basis,
                objects=(f"queue:{organization}",),
            )
        )
    entries = [
        QueueEntry(
            id=c.id,
            channel=c.channel,
            topic=c.topic.value,
            urgency=c.urgency,
            language=c.language,
            child_age_months=c.child_age_months,
            waiting_seconds=c.waited_seconds(now),
            status="offered" if c.status == "offered" else "waiting",
            offered_to_you=c.offered_to == principal.user_id,
            offer_expires_at=c.offer_expires_at if c.offered_to == principal.user_id else None,
        )
        for c in contacts
    ]
    return QueueView(organization=organization, waiting=sum(e.status == "waiting" for e in entries), entries=entries)


# -- requesting ---------------------------------------------------------------------------------------------------
def request(principal: Principal, new: NewContact, now: datetime) -> ContactView:
    """Route the contact (own JGZ in office hours, the partner outside them or when nobody is on duty), queue it
    and offer it to a nurse at once if one can take it. One open contact per parent (409 ``contact_open``)."""
    config = region_config()
    c247 = config.contact_247
    if new.language not in {lang.value for lang in config.languages}:
        raise Unprocessable(f"the region offers no language {new.language!r}", details={"field": "language"})
    held = repo.open_contact(principal.user_id)
    if held is not None:
        current = repo.get_contact(held.contact_id)
        if current is not None and current.status in OPEN:
            raise _already_open(current.id)
    own = c247.own_organisation.get(principal.municipality or "")
    # the own organisation's nurses matter in office hours only (outside them the partner answers anyway)
    own_nurses = roster.candidates(own, now, c247) if own and within_office_hours(now, c247) else []
    staffed = any(c.takes(new.channel) and new.language in c.nurse.languages for c in own_nurses)
    routed = route(now, principal.municipality or "", c247, [own] if own and staffed else [])
    contact = Contact(
        id=new_id(), parent_id=principal.user_id, municipality=principal.municipality,
        organization=routed.organization, own_organization=own, reason=routed.reason, channel=new.channel,
        topic=new.topic, child_age_months=new.child_age_months, language=new.language, urgency=new.urgency,
        callback_phone=new.callback_phone, requested_at=now,
    )  # fmt: skip
    nurses = (
        own_nurses if routed.organization == own and own_nurses else roster.candidates(routed.organization, now, c247)
    )
    fitting = [c.nurse for c in nurses if c.takes(contact.channel) and c.nurse.user_id != principal.user_id]
    # Nobody can be offered it now (all busy or at capacity): the nurses on duty hear that it waits.
    free = pick(fitting, routed.organization, contact.language, c247.max_parallel_chats)
    waits_for = [] if free else sorted({n.user_id for n in fitting})
    try:
        with repo.unit_of_work() as uow:
            repo.claim_open(
                uow, principal.user_id, contact, replaces=held.contact_id if held else None,
                expires_at=expires(contact),
            )  # fmt: skip
            repo.save_contact(uow, contact, previous=None, expires_at=expires(contact))
            repo.add_pointer(uow, principal.user_id, contact, expires(contact))
            uow.publish(
                ContactRequested(
                    contact_id=contact.id,
                    organization=routed.organization,
                    reason=routed.reason,
                    channel=contact.channel,
                    urgency=contact.urgency,
                    recipients=waits_for,
                )
            )
            uow.audit(record(principal, contact, "contact.create", AuditAction.CREATE, basis="role: parent"))
    except TransactionConflict:  # a second tap, a moment earlier: that one is the contact
        other = repo.open_contact(principal.user_id)
        raise _already_open(other.contact_id if other else None) from None
    queued = repo.queue(routed.organization)
    if all(c.id != contact.id for c in queued):  # the index is eventually consistent: the new one may lag
        queued = sorted([*queued, contact], key=repo.queue_rank)
    offered = dispatch.dispatch(routed.organization, now, queued=queued, candidates=nurses)
    fresh = (repo.get_contact(contact.id) or contact) if contact.id in offered else contact
    return view(fresh, principal.user_id, now)


def _already_open(contact_id: str | None) -> Conflict:
    return Conflict(
        "you already have a contact open; continue there or cancel it first",
        code="contact_open", details={"contact_id": contact_id},
    )  # fmt: skip


def cancel(principal: Principal, contact_id: str, now: datetime) -> ContactView:
    """The parent stops: a waiting contact is abandoned (an offer out is taken back); from a conversation the
    parent may leave too (the nurse's slot comes free, the video meeting is deleted)."""
    for _ in range(MAX_RETRIES):
        contact = load(principal, contact_id, event="contact.cancel")
        if contact.party(principal.user_id) != "parent":
            raise Forbidden("only the parent cancels a contact")
        if contact.status not in OPEN:
            raise Conflict("this contact has ended", code="contact_closed")
        holder = contact.offered_to if contact.status == "offered" else contact.nurse_id
        if contact.meeting_id:
            provider().delete_meeting(contact.meeting_id)
        gone = contact.model_copy(
            update={"status": "abandoned", "ended_at": now, "offered_to": None, "offer_expires_at": None,
                    "callback_phone": None, "meeting_id": None, "revision": contact.revision + 1,
                    "video_ended_at": now if contact.meeting_id else contact.video_ended_at}
        )  # fmt: skip
        try:
            with repo.unit_of_work() as uow:
                if holder:
                    repo.release_if_held(uow, holder, idle_since=now if contact.status == "active" else None)
                repo.save_contact(uow, gone, previous=contact, expires_at=expires(gone))
                repo.free_open(uow, contact.parent_id)
                repo.add_pointer(uow, contact.parent_id, gone, expires(gone))
                uow.publish(
                    ContactAbandoned(
                        contact_id=contact.id,
                        organization=contact.organization,
                        waited_seconds=gone.waited_seconds(now),
                        recipients=[holder] if holder else [],
                    )
                )
                uow.audit(record(principal, gone, "contact.cancel", AuditAction.UPDATE, basis="role: parent"))
        except TransactionConflict:
            continue  # an offer or an accept came in between: read again
        metrics.abandoned(contact.organization)
        _log(gone, now)
        if holder:
            dispatch.dispatch(contact.organization, now)  # a slot came free
        return view(gone, principal.user_id, now)
    raise Conflict("the contact keeps changing; try again", code="contact_changed")


# -- answering ----------------------------------------------------------------------------------------------------
def accept(principal: Principal, contact_id: str, now: datetime) -> ContactView:
    """The nurse takes the contact: offered to them, or waiting in their organisation's queue. One transaction
    (see ``dispatch``): a contact taken meanwhile answers 409, and so does a nurse at capacity or away."""
    config = region_config().contact_247
    contact = repo.get_contact(contact_id)
    if contact is None or contact.organization != principal.organization:
        if contact is not None:
            audit.write(record(principal, contact, "contact.accept", AuditAction.UPDATE, outcome=AuditOutcome.DENIED))
        raise NotFound("no such contact in your organisation's queue", code="contact_not_found")
    if contact.parent_id == principal.user_id:
        audit.write(record(principal, contact, "contact.accept", AuditAction.UPDATE, outcome=AuditOutcome.DENIED))
        raise Forbidden("a colleague answers your own contact", code="own_contact")
    if contact.status not in QUEUED:
        if contact.nurse_id == principal.user_id and contact.status == "active":
            audit.write(record(principal, contact, "contact.read", AuditAction.READ))
            return view(contact, principal.user_id, now)  # accepted twice: the same answer
        if contact.status == "active":
            raise Conflict("another nurse has taken this contact", code="contact_taken")
        raise Conflict("this contact has ended", code="contact_closed")
    mine_offer = contact.status == "offered" and contact.offered_to == principal.user_id
    expired_offer = (
        contact.status == "offered" and not mine_offer and contact.offer_expires_at is not None
        and contact.offer_expires_at <= now
    )  # fmt: skip
    if contact.status == "offered" and not mine_offer and not expired_offer:
        raise Conflict("this contact is being offered to another nurse", code="contact_offered_elsewhere")
    taken = contact.model_copy(
        update={"status": "active", "nurse_id": principal.user_id, "accepted_at": now, "offered_to": None,
                "offer_expires_at": None, "revision": contact.revision + 1}
    )  # fmt: skip
    try:
        with repo.unit_of_work() as uow:
            if expired_offer and contact.offered_to:
                repo.release_if_held(uow, contact.offered_to)
            if not mine_offer:
                repo.reserve(uow, principal.user_id, fresh_since=roster.fresh_since(now, config), available=False)
            repo.save_contact(uow, taken, previous=contact, expires_at=expires(taken))
            repo.add_pointer(uow, principal.user_id, taken, expires(taken))
            uow.publish(
                ContactAccepted(
                    contact_id=contact.id,
                    nurse_id=principal.user_id,
                    waited_seconds=taken.waited_seconds(now),
                    recipients=[contact.parent_id],
                )
            )
            uow.audit(record(principal, taken, "contact.accept", AuditAction.UPDATE, basis="role: nurse on duty"))
    except TransactionConflict:
        raise _why_not(principal.user_id, now, check_presence=not mine_offer) from None
    metrics.answered(taken, now)
    return view(taken, principal.user_id, now)


def _why_not(nurse_id: str, now: datetime, *, check_presence: bool) -> Conflict:
    """Why a take failed, read back (a transaction's cancellation reasons are not reliable across hosts)."""
    if check_presence:
        presence = repo.get_presence(nurse_id)
        config = region_config().contact_247
        if presence is None or not roster.present(presence, now, config):
            return Conflict("you are not present: your app sent no heartbeat, or you are away", code="not_present")
        if int(presence.active) >= int(presence.limit):
            return Conflict("you are at your capacity: end a conversation first", code="at_capacity")
    return Conflict("another nurse has taken this contact, or it changed", code="contact_taken")


def end(principal: Principal, contact_id: str, outcome: EndContact, now: datetime) -> ContactView:
    """The nurse ends the contact: the meeting is deleted (every join token with it), the log completed, and on a
    referral or an out-of-hours contact a handover goes to the family's own JGZ organisation."""
    contact = load(principal, contact_id, event="contact.end")
    if contact.party(principal.user_id) != "nurse":
        raise Forbidden("the nurse ends the contact")
    if contact.status != "active":
        raise Conflict("this contact has ended", code="contact_closed")
    if contact.meeting_id:
        provider().delete_meeting(contact.meeting_id)
    ended = contact.model_copy(
        update={"status": "ended", "ended_at": now, "outcome": outcome.outcome, "referral_to": outcome.referral_to,
                "meeting_id": None, "callback_phone": None, "revision": contact.revision + 1,
                "video_ended_at": now if contact.meeting_id else contact.video_ended_at}
    )  # fmt: skip
    duration = int((now - (contact.accepted_at or now)).total_seconds())
    handover = _handover(ended, now)
    try:
        with repo.unit_of_work() as uow:
            repo.release_if_held(uow, principal.user_id, idle_since=now)
            repo.save_contact(uow, ended, previous=contact, expires_at=expires(ended))
            repo.free_open(uow, contact.parent_id)
            for user in (contact.parent_id, principal.user_id):
                repo.add_pointer(uow, user, ended, expires(ended))
            uow.publish(
                ContactEnded(
                    contact_id=contact.id,
                    outcome=outcome.outcome,
                    duration_seconds=max(0, duration),
                    recipients=[contact.parent_id],
                )
            )
            uow.audit(record(principal, ended, "contact.end", AuditAction.UPDATE, basis="role: the contact's nurse"))
            if handover is not None:
                uow.publish(handover)
                uow.audit(
                    record(
                        principal,
                        ended,
                        "contact.handover",
                        AuditAction.TRANSFER,
                        basis="24/7 contact: handover to the family's own JGZ organisation (DOMAIN.md)",
                    )
                )
    except TransactionConflict:
        raise Conflict("the contact changed meanwhile (the parent left?); look again", code="contact_changed") from None
    _log(ended, now)
    dispatch.dispatch(contact.organization, now)  # a slot came free
    return view(ended, principal.user_id, now)


def _log(contact: Contact, now: datetime) -> None:
    """The contact's log line for operators: attempts, waiting time, duration, outcome (no-shows included);
    ids and codes only."""
    duration = int((now - contact.accepted_at).total_seconds()) if contact.accepted_at else 0
    logger().info(
        "contact closed",
        extra={
            "contact_id": contact.id, "organization": contact.organization, "routed": contact.reason,
            "channel": contact.channel, "urgency": contact.urgency, "status": contact.status,
            "outcome": contact.outcome, "attempts": contact.attempts, "waited_seconds": contact.waited_seconds(now),
            "duration_seconds": duration, "video": contact.meetings > 0,
        },
    )  # fmt: skip


def _handover(contact: Contact, now: datetime) -> ContactHandover | None:
    """A short structured summary for the family's own JGZ team - on a referral and on every out-of-hours contact;
    never the transcript. None when the family has no own organisation in the region."""
    own = contact.own_organization
    if own is None or not (contact.outcome == "referral" or contact.reason != "office_hours"):
        return None
    recipients = team_user_ids(own, "handover")
    return ContactHandover(
        contact_id=contact.id, organization=own, topic=contact.topic.value, outcome=contact.outcome or "advice",
        referral_to=contact.referral_to.value if contact.referral_to else None, requested_at=contact.requested_at,
        ended_at=now, recipients=recipients,
    )  # fmt: skip


def team_user_ids(organization: str, part: Literal["leads", "handover"]) -> list[str]:
    """The user ids of the organisation's team leads or handover recipients (region config: user names)."""
    team = region_config().contact_247.teams.get(organization)
    names = getattr(team, part) if team else []
    return sorted({u for u in (_user_id(name) for name in names) if u})


_KNOWN_FOR = 600.0  # seconds a team member's id is reused: the names are fixed in the region config
_known: dict[tuple[str, str], tuple[str, float]] = {}  # (user pool, user name) -> (user id, when)


def _user_id(username: str) -> str | None:
    """The team member's user id, from the directory (kept for a while: Cognito's read quota is small)."""
    key = (get_settings().user_pool_id, username)
    cached = _known.get(key)
    if cached is not None and time.monotonic() - cached[1] < _KNOWN_FOR:
        return cached[0]
    user = find_user("username", username)
    if user is None or not user.get("sub"):
        logger().warning("a team member of the region config is not in the directory", extra={"user": username})
        return None
    _known[key] = (user["sub"], time.monotonic())
    return user["sub"]
