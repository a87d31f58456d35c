"""Who the notifications service is, for its API function: name, version, prefix and tables (see ``ServiceAbout``)."""

from __future__ import annotations

from services.notifications import __version__
from services.notifications.dal.tables import NotificationsItem
from services.shared.manifest import ServiceAbout, TableSpec

ABOUT = ServiceAbout(
    name="notifications",
    version=__version__,
    description="Inbox, e-mail, SMS and push notifications that never carry content about a family.",
    api_prefix="/notifications",
    api_handler="services.notifications.handlers.api.handler",
    tables=(TableSpec(name="main", model=NotificationsItem),),
)
