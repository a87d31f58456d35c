"""What the notifications service is made of; read by the CDK stack and the local host."""

from __future__ import annotations

from services.notifications.about import ABOUT
from services.notifications.logic.rules import RULES
from services.shared.contracts.notifications import CONTRACTS
from services.shared.manifest import Schedule, ServiceManifest, Subscription

MANIFEST = ServiceManifest.of(
    ABOUT,
    subscriptions=(
        Subscription(name="deliver", handler="services.notifications.handlers.deliver.handler", events=tuple(RULES)),
    ),
    schedules=(Schedule(name="held", handler="services.notifications.handlers.sweeper.handler", rate_minutes=5),),
    publishes=CONTRACTS,
)
