"""What the plans service is made of; read by the CDK stack and the local host."""

from __future__ import annotations

from services.plans import __version__
from services.plans.dal.tables import PlansItem
from services.shared.contracts.plans import CONTRACTS
from services.shared.contracts.signals import CoordinatorAssigned
from services.shared.manifest import Schedule, ServiceManifest, Subscription, TableSpec

MANIFEST = ServiceManifest(
    name="plans",
    version=__version__,
    description="One family, one plan, one coordinator: the shared family plan.",
    api_prefix="/plans",
    api_handler="services.plans.handlers.api.handler",
    tables=(TableSpec(name="main", model=PlansItem),),
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
