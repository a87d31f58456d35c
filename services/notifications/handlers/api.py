"""The notifications API function: routes under /notifications. Every signed-in user has an inbox."""

from __future__ import annotations

import re
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from services.notifications.about import ABOUT
from services.notifications.models.api import (
    DeviceRegistration,
    DeviceView,
    InboxPage,
    InboxView,
    MarkedRead,
    PreferencesUpdate,
    PreferencesView,
    UnreadCount,
)
from services.shared.api import create_app, current_principal, lambda_handler
from services.shared.errors import NotFound
from services.shared.health import register_health

app = create_app(service=ABOUT.name, version=ABOUT.version, description=ABOUT.description)
register_health(app, ABOUT)

NOTIFICATION_ID = re.compile(r"^ntf-\d{20}-[0-9a-f]{20}$")
DEVICE_ID = re.compile(r"^dev-[0-9a-f]{32}$")
Limit = Annotated[int, Query(ge=1, le=50, description="page size")]
Cursor = Annotated[str | None, Query(max_length=2048, description="the `next` of the previous page")]
TAGS = ["notifications"]


def _view(item: object, language: str) -> InboxView:
    from services.notifications.logic.inbox import READ, title_of

    return InboxView(
        id=item.notification_id,  # type: ignore[attr-defined]
        category=item.category,  # type: ignore[attr-defined]
        title=title_of(item, language),  # type: ignore[arg-type]
        link=item.link,  # type: ignore[attr-defined]
        urgent=item.urgent,  # type: ignore[attr-defined]
        created_at=item.created_at,  # type: ignore[attr-defined]
        read=item.sk.startswith(READ),  # type: ignore[attr-defined]
        read_at=item.read_at,  # type: ignore[attr-defined]
    )


@app.get("/notifications", operation_id="list_notifications", tags=TAGS)
def list_notifications(limit: Limit = 20, cursor: Cursor = None) -> InboxPage:
    """Your inbox: unread first, newest first."""
    from services.notifications.logic import inbox

    user_id = current_principal().user_id
    items, nxt = inbox.list_items(user_id, limit, cursor)
    language = inbox.language_of(user_id)
    return InboxPage(items=[_view(i, language) for i in items], next=nxt)


@app.get("/notifications/unread-count", operation_id="unread_count", tags=TAGS)
def unread_count() -> UnreadCount:
    """How many unread notifications you have (for the badge)."""
    from services.notifications.logic import inbox

    return UnreadCount(unread=inbox.unread_count(current_principal().user_id))


@app.post("/notifications/read-all", operation_id="mark_all_read", tags=TAGS)
def read_all() -> MarkedRead:
    """Mark every notification in your inbox read."""
    from services.notifications.logic import inbox

    return MarkedRead(marked=inbox.mark_all_read(current_principal().user_id))


@app.get("/notifications/preferences", operation_id="get_preferences", tags=TAGS)
def get_preferences() -> PreferencesView:
    """Your channels per category, quiet hours and language (the defaults until you change them)."""
    from services.notifications.logic import settings

    return settings.view(current_principal().user_id)


@app.put("/notifications/preferences", operation_id="put_preferences", tags=TAGS)
def put_preferences(update: PreferencesUpdate) -> PreferencesView:
    """Replace your preferences. Unknown or invalid values: 422 naming the field, and nothing changes."""
    from services.notifications.logic import settings

    return settings.replace(current_principal(), update)


@app.post("/notifications/devices", operation_id="register_device", tags=TAGS)
def register_device(registration: DeviceRegistration) -> Response[DeviceView]:
    """Register this app's push token (201; 200 if it was registered before)."""
    from services.notifications.logic import devices

    device, new = devices.register(current_principal(), registration.platform, registration.token)
    view = DeviceView(id=device.device_id, platform=device.platform, registered_at=device.registered_at)  # type: ignore[arg-type]
    return Response(status_code=201 if new else 200, content_type="application/json", body=view)


@app.delete("/notifications/devices/<device_id>", operation_id="remove_device", tags=TAGS)
def remove_device(device_id: str) -> Response[None]:
    """Stop push notifications to this device."""
    from services.notifications.logic import devices

    if not DEVICE_ID.match(device_id):
        raise NotFound("no such device of yours", code="device_not_found")
    devices.remove(current_principal(), device_id)
    return Response(status_code=204, content_type="application/json", body=None)


@app.post("/notifications/<notification_id>/read", operation_id="mark_read", tags=TAGS)
def mark_read(notification_id: str) -> InboxView:
    """Mark one notification read."""
    from services.notifications.logic import inbox

    if not NOTIFICATION_ID.match(notification_id):
        raise NotFound("no such notification of yours", code="notification_not_found")
    user_id = current_principal().user_id
    return _view(inbox.mark_read(user_id, notification_id), inbox.language_of(user_id))


handler = lambda_handler(app, component="notifications-api")
