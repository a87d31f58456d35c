"""Video from the chat. The meeting and an attendee per participant are created only after the caller is
checked to be the contact's nurse and both parties are known; each participant gets only their own join data
(``GET .../join``); ending the contact deletes the meeting, which revokes every token. A meeting that ends by
itself (24 h, or 5 minutes with nobody connected) is recognised from the Chime SDK's events."""

from __future__ import annotations

from datetime import datetime

from services.shared import audit
from services.shared.audit import AuditAction
from services.shared.contracts.video import VideoStarted
from services.shared.errors import Conflict, Forbidden
from services.shared.outbox import TransactionConflict
from services.shared.principal import Principal
from services.video.dal import repository as repo
from services.video.logic.contacts import load, view
from services.video.logic.dispatch import expires, record, system
from services.video.logic.meetings import MeetingEnded, provider, to_join_payload
from services.video.models.api import ContactView, JoinInfo
from services.video.models.contact import Contact


def start(principal: Principal, contact_id: str, now: datetime) -> tuple[ContactView, bool]:
    """Start video (or give the running one); True when it was started now."""
    contact = load(principal, contact_id, event="contact.video.start")
    if contact.party(principal.user_id) != "nurse":
        raise Forbidden("the contact's nurse starts video")
    if contact.status != "active":
        raise Conflict("this contact has ended", code="contact_closed")
    if contact.channel == "callback":
        raise Conflict("a call-back is by telephone; video starts from a chat", code="video_not_for_callback")
    meetings = provider()
    if contact.meeting_id and meetings.get_meeting(contact.meeting_id) is not None:
        audit.write(record(principal, contact, "contact.video.read", AuditAction.READ))
        return view(contact, principal.user_id, now), False
    meeting = meetings.create_meeting(contact.id, attempt=contact.meetings)
    assert contact.nurse_id is not None
    attendees = {
        user: meetings.add_attendee(meeting.meeting_id, user).attendee_id
        for user in (contact.parent_id, contact.nurse_id)
    }
    started = contact.model_copy(
        update={"meeting_id": meeting.meeting_id, "meetings": contact.meetings + 1, "attendees": attendees,
                "video_started_at": now, "video_ended_at": None, "revision": contact.revision + 1}
    )  # fmt: skip
    try:
        with repo.unit_of_work() as uow:
            repo.save_contact(uow, started, previous=contact, expires_at=expires(started))
            uow.publish(VideoStarted(contact_id=contact.id, recipients=[contact.parent_id]))
            uow.audit(record(principal, started, "contact.video.start", AuditAction.CREATE))
    except TransactionConflict:
        # a second start raced this one: the same attempt gave the same meeting; answer with what is stored now
        current = repo.get_contact(contact.id) or started
        return view(current, principal.user_id, now), False
    return view(started, principal.user_id, now), True


def join(principal: Principal, contact_id: str, now: datetime) -> JoinInfo:
    """The caller's own meeting and attendee data - never the other party's."""
    contact = load(principal, contact_id, event="contact.video.join")
    if contact.status != "active" or contact.meeting_id is None:
        raise Conflict("there is no video in this contact now", code="no_video")
    meetings = provider()
    meeting = meetings.get_meeting(contact.meeting_id)
    if meeting is None:
        closed(contact.id, contact.meeting_id, now)
        raise MeetingEnded("the video meeting has ended")
    attendee = meetings.add_attendee(meeting.meeting_id, principal.user_id)  # the same user: the same attendee
    audit.write(record(principal, contact, "contact.video.join", AuditAction.READ))
    payload = to_join_payload(meeting, attendee)
    return JoinInfo(Meeting=payload["Meeting"], Attendee=payload["Attendee"])


def closed(contact_id: str, meeting_id: str, now: datetime) -> bool:
    """The meeting ended by itself (or was deleted): the contact's video session is over. True if it changed."""
    for _ in range(3):
        contact = repo.get_contact(contact_id)
        if contact is None or contact.meeting_id != meeting_id:
            return False
        over: Contact = contact.model_copy(
            update={"meeting_id": None, "video_ended_at": now, "revision": contact.revision + 1}
        )
        try:
            with repo.unit_of_work() as uow:
                repo.save_contact(uow, over, previous=contact, expires_at=expires(over))
                uow.audit(record(system(), over, "contact.video.ended", AuditAction.UPDATE, basis="meeting ended"))
        except TransactionConflict:
            continue
        return True
    return False
