"""The probe's table: one table, entities told apart by its own ``entity`` discriminator."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, DiscriminatorAttribute, NumberAttribute, UnicodeAttribute

from services.shared.dynamo import OutboxFields, ServiceItem, service_table_meta


class ProbeTable(ServiceItem):
    Meta = service_table_meta("probe")
    entity = DiscriminatorAttribute()


class ProbeOutbox(OutboxFields, ProbeTable, discriminator="outbox"):
    """An event waiting for the relay."""


class ProbeItem(ProbeTable, discriminator="probe-item"):
    """pk ``ITEM#<id>``: what a client created, and how often the consumer took effect for it."""

    item_id = UnicodeAttribute()
    fail = BooleanAttribute(default=False)
    event_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    effects = NumberAttribute(default=0)


class ProbeSweeps(ProbeTable, discriminator="probe-sweeps"):
    """pk ``SWEEPS``: how often the sweeper ran, and the clock it saw last."""

    runs = NumberAttribute(default=0)
    last_now = UnicodeAttribute(null=True)


def item_key(item_id: str) -> tuple[str, str]:
    return f"ITEM#{item_id}", "ITEM"


SWEEPS_KEY = ("SWEEPS", "SWEEPS")
