"""The probe's manifest: two tables (one with an index), subscriptions on the region bus and on the
default bus, and a schedule — every construct the service construct can build."""

from __future__ import annotations

from typing import ClassVar

from pynamodb.attributes import DiscriminatorAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from services.shared.dynamo import ServiceItem, service_table_meta
from services.shared.events import EventData
from services.shared.manifest import EventBusName, Schedule, ServiceManifest, Subscription, TableSpec


class ProbeItem(ServiceItem):
    Meta = service_table_meta("probe")
    entity = DiscriminatorAttribute()


class DueIndex(GlobalSecondaryIndex["ProbeLedger"]):
    class Meta:
        index_name = "by_due_at"
        projection = AllProjection()

    due_at = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class ProbeLedger(ServiceItem):
    """A second table without a stream and with a sparse index (like a service's deadlines)."""

    Meta = service_table_meta("probe", "ledger")
    due_at = UnicodeAttribute(null=True)
    by_due_at = DueIndex()


class ProbeRecorded(EventData):
    producer: ClassVar[str] = "probe"
    probe_id: str


MANIFEST = ServiceManifest(
    name="probe",
    version="0.0.1",
    description="Test-only: exercises every construct of the service construct.",
    api_prefix="/probe",
    api_handler="tests.infra.probe.handlers.api.handler",
    tables=(TableSpec(name="main", model=ProbeItem), TableSpec(name="ledger", model=ProbeLedger, stream=False)),
    subscriptions=(
        Subscription(name="record", handler="tests.infra.probe.handlers.record.handler", events=(ProbeRecorded,)),
        Subscription(
            name="meetings",
            handler="tests.infra.probe.handlers.meetings.handler",
            pattern={"source": ["aws.chime"], "detail-type": ["Chime Meeting State Change"]},
            bus=EventBusName.DEFAULT,
            batch_size=5,
        ),
    ),
    schedules=(Schedule(name="sweep", handler="tests.infra.probe.handlers.sweep.handler", rate_minutes=5),),
    publishes=(ProbeRecorded,),
)
