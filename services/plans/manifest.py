"""What the plans service is made of; read by the CDK stack and the local host."""

from __future__ import annotations

from services.plans.about import ABOUT
from services.shared.contracts.plans import CONTRACTS
from services.shared.contracts.signals import CoordinatorAssigned
from services.shared.manifest import Schedule, ServiceManifest, Subscription

MANIFEST = ServiceManifest.of(
    ABOUT,
    subscriptions=(
        Subscription(
            name="coordinator-assigned",
            handler="services.plans.handlers.coordinator_assigned.handler",
            events=(CoordinatorAssigned,),
        ),
    ),
    schedules=(Schedule(name="deadlines", handler="services.plans.handlers.sweeper.handler", rate_minutes=15),),
    publishes=CONTRACTS,
)
