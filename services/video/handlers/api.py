"""The video API function: routes under /video. Each route parses, calls one use case and answers."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from services.shared import clock
from services.shared.api import create_app, current_principal, lambda_handler, requires
from services.shared.errors import NotFound
from services.shared.health import register_health
from services.shared.principal import Role
from services.video.about import ABOUT
from services.video.models.api import (
    ContactPage,
    ContactView,
    EndContact,
    JoinInfo,
    MessagePage,
    MessageView,
    NewContact,
    NewMessage,
    PresenceUpdate,
    PresenceView,
    QueueView,
    RosterDay,
    RosterView,
)

app = create_app(service=ABOUT.name, version=ABOUT.version, description=ABOUT.description)
register_health(app, ABOUT)

CONTACT_ID = re.compile(r"^con-[0-9a-f]{16}$")
TAGS = ["video"]
NURSE = [requires(Role.NURSE)]
PARENT = [requires(Role.PARENT)]


def _contact_id(value: str) -> str:
    if not CONTACT_ID.match(value):
        raise NotFound("no such contact of yours", code="contact_not_found")
    return value


# -- roster and presence ------------------------------------------------------------------------------------------
@app.put(
    "/video/roster/shifts", operation_id="put_roster", tags=TAGS,
    middlewares=[requires(Role.REGION_ADMIN, Role.PLANNER)],
)  # fmt: skip
def put_roster(day: RosterDay) -> RosterView:
    """The roster of one organisation for one day (Dutch date): replaces that day's shifts."""
    from services.video.logic import roster

    return roster.put_roster(current_principal(), day, clock.now())


@app.get("/video/roster", operation_id="get_roster", tags=TAGS)
def get_roster(
    day: Annotated[date, Query(alias="date", ge=date(2000, 1, 1), le=date(2199, 12, 31))],
    organization: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")] = None,
) -> RosterView:
    """Who is on: the shifts that start on ``date`` (your own organisation's, unless you are the region's admin)."""
    from services.video.logic import roster

    return roster.get_roster(current_principal(), day, organization, clock.now())


@app.put("/video/presence", operation_id="put_presence", tags=TAGS, middlewares=NURSE)
def put_presence(update: PresenceUpdate) -> PresenceView:
    """Your presence and capacity; also the heartbeat (without one for the region's timeout you count as away)."""
    from services.video.logic import roster

    return roster.put_presence(current_principal(), update, clock.now())


# -- contacts -----------------------------------------------------------------------------------------------------
@app.post("/video/contacts", operation_id="request_contact", tags=TAGS, middlewares=PARENT)
def request_contact(new: NewContact) -> Response[ContactView]:
    """Ask for a chat, a call-back or video: 201 with your place in the queue and the expected wait."""
    from services.video.logic import contacts

    view = contacts.request(current_principal(), new, clock.now())
    return Response(status_code=201, content_type="application/json", body=view)


@app.get("/video/contacts/mine", operation_id="my_contacts", tags=TAGS)
def my_contacts() -> ContactPage:
    """Your contacts, newest first: as the parent who asked, or as the nurse who answered."""
    from services.video.logic import contacts

    return contacts.mine(current_principal(), clock.now())


@app.get("/video/queue", operation_id="queue", tags=TAGS, middlewares=NURSE)
def queue() -> QueueView:
    """What waits for your organisation: topic, age and waiting time only; which contact is offered to you."""
    from services.video.logic import contacts

    return contacts.queue(current_principal(), clock.now())


@app.get("/video/contacts/<contact_id>", operation_id="get_contact", tags=TAGS)
def get_contact(contact_id: str) -> ContactView:
    from services.video.logic import contacts

    return contacts.get(current_principal(), _contact_id(contact_id), clock.now())


@app.post("/video/contacts/<contact_id>/accept", operation_id="accept_contact", tags=TAGS, middlewares=NURSE)
def accept(contact_id: str) -> ContactView:
    """Take the contact (offered to you, or waiting for your organisation); 409 if taken or you are at capacity."""
    from services.video.logic import contacts

    return contacts.accept(current_principal(), _contact_id(contact_id), clock.now())


@app.post("/video/contacts/<contact_id>/cancel", operation_id="cancel_contact", tags=TAGS, middlewares=PARENT)
def cancel(contact_id: str) -> ContactView:
    """Stop: leave the queue or the conversation (the contact is recorded as abandoned)."""
    from services.video.logic import contacts

    return contacts.cancel(current_principal(), _contact_id(contact_id), clock.now())


@app.post("/video/contacts/<contact_id>/end", operation_id="end_contact", tags=TAGS, middlewares=NURSE)
def end(contact_id: str, outcome: EndContact) -> ContactView:
    """End the contact with its outcome; deletes the video meeting; hands over to the family's own JGZ team on a
    referral or after an out-of-hours contact."""
    from services.video.logic import contacts

    return contacts.end(current_principal(), _contact_id(contact_id), outcome, clock.now())


# -- the conversation -----------------------------------------------------------------------------------------------
@app.post("/video/contacts/<contact_id>/messages", operation_id="post_message", tags=TAGS)
def post_message(contact_id: str, message: NewMessage) -> Response[MessageView]:
    from services.video.logic import conversation

    view = conversation.post(current_principal(), _contact_id(contact_id), message, clock.now())
    return Response(status_code=201, content_type="application/json", body=view)


@app.get("/video/contacts/<contact_id>/messages", operation_id="get_messages", tags=TAGS)
def get_messages(
    contact_id: str, after: Annotated[str | None, Query(max_length=64, description="the last id you have")] = None
) -> MessagePage:
    """The messages after ``after`` (all, without it), oldest first, at most 100."""
    from services.video.logic import conversation

    return conversation.read(current_principal(), _contact_id(contact_id), after)


@app.post("/video/contacts/<contact_id>/video", operation_id="start_video", tags=TAGS, middlewares=NURSE)
def start_video(contact_id: str) -> Response[ContactView]:
    """Start video from the chat (201), or get the running session (200)."""
    from services.video.logic import sessions

    view, started = sessions.start(current_principal(), _contact_id(contact_id), clock.now())
    return Response(status_code=201 if started else 200, content_type="application/json", body=view)


@app.get("/video/contacts/<contact_id>/join", operation_id="join_video", tags=TAGS)
def join_video(contact_id: str) -> JoinInfo:
    """Your own meeting and attendee data for the Chime SDK client; 404 ``meeting_ended`` when the meeting ended by
    itself, 409 ``no_video`` when the contact has no video (not started, or ended)."""
    from services.video.logic import sessions

    return sessions.join(current_principal(), _contact_id(contact_id), clock.now())


handler = lambda_handler(app, component="video-api")
