"""What the signals service is made of; read by the CDK stack and the local host."""

from __future__ import annotations

from services.shared.contracts.plans import PlanCoordinatorChanged
from services.shared.contracts.signals import CONTRACTS
from services.shared.manifest import Schedule, ServiceManifest, Subscription, TableSpec
from services.signals import __version__
from services.signals.dal.tables import SignalsItem

MANIFEST = ServiceManifest(
    name="signals",
    version=__version__,
    description="The regional referral index (verwijsindex): signals, matches, match follow-up and the signal guide.",
    api_prefix="/signals",
    api_handler="services.signals.handlers.api.handler",
    tables=(TableSpec(name="main", model=SignalsItem),),
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
