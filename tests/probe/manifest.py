"""The probe service's manifest: read by the local host with ``--extra-manifest tests.probe.manifest``."""

from __future__ import annotations

from services.shared.manifest import Schedule, ServiceManifest, Subscription, TableSpec
from tests.probe.dal import ProbeTable
from tests.probe.events import ProbeItemCreated

MANIFEST = ServiceManifest(
    name="probe",
    version="0.0.1",
    description="Test-only: proves request -> transaction -> stream -> relay -> bus -> SQS -> consumer.",
    api_prefix="/probe",
    api_handler="tests.probe.handlers.api.handler",
    tables=(TableSpec(name="main", model=ProbeTable),),
    subscriptions=(
        Subscription(name="count-effects", handler="tests.probe.handlers.consumer.handler", events=(ProbeItemCreated,)),
    ),
    schedules=(Schedule(name="count-sweeps", handler="tests.probe.handlers.sweeper.handler", rate_minutes=5),),
    publishes=(ProbeItemCreated,),
)
