"""What the signals service is made of; read by the CDK stack and the local host."""

from __future__ import annotations

from services.shared.contracts.plans import PlanCoordinatorChanged
from services.shared.contracts.signals import CONTRACTS
from services.shared.manifest import Schedule, ServiceManifest, Subscription
from services.signals.about import ABOUT

MANIFEST = ServiceManifest.of(
    ABOUT,
    subscriptions=(
        Subscription(
            name="plan-coordinator",
            handler="services.signals.handlers.plan_coordinator.handler",
            events=(PlanCoordinatorChanged,),
        ),
    ),
    schedules=(Schedule(name="deadlines", handler="services.signals.handlers.sweeper.handler", rate_minutes=5),),
    publishes=CONTRACTS,
)
