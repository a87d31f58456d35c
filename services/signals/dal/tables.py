"""The signals service's table: one table, entities told apart by the ``entity`` discriminator."""

from __future__ import annotations

from pynamodb.attributes import DiscriminatorAttribute

from services.shared.dynamo import OutboxFields, ServiceItem, service_table_meta


class SignalsItem(ServiceItem):
    """Base of every item in the signals table."""

    Meta = service_table_meta("signals")
    entity = DiscriminatorAttribute()


class SignalsOutbox(OutboxFields, SignalsItem, discriminator="outbox"):
    """An event waiting for the relay; written in the same transaction as the change it announces."""
