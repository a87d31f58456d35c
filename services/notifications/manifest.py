"""What the notifications service is made of; read by the CDK stack and the local host."""

from __future__ import annotations

from services.notifications import __version__
from services.notifications.dal.tables import NotificationsItem
from services.notifications.logic.rules import RULES
from services.shared.contracts.notifications import CONTRACTS
from services.shared.manifest import Schedule, ServiceManifest, Subscription, TableSpec

MANIFEST = ServiceManifest(
    name="notifications",
    version=__version__,
    description="Inbox, e-mail, SMS and push notifications that never carry content about a family.",
    api_prefix="/notifications",
    api_handler="services.notifications.handlers.api.handler",
    tables=(TableSpec(name="main", model=NotificationsItem),),
    subscriptions=(
        Subscription(name="deliver", handler="services.notifications.handlers.deliver.handler", events=tuple(RULES)),
    ),
    schedules=(Schedule(name="held", handler="services.notifications.handlers.sweeper.handler", rate_minutes=5),),
    publishes=CONTRACTS,
)
