"""The notifications service's table: one table, entities told apart by the ``entity`` discriminator."""

from __future__ import annotations

from pynamodb.attributes import DiscriminatorAttribute

from services.shared.dynamo import OutboxFields, ServiceItem, service_table_meta


class NotificationsItem(ServiceItem):
    """Base of every item in the notifications table."""

    Meta = service_table_meta("notifications")
    entity = DiscriminatorAttribute()


class NotificationsOutbox(OutboxFields, NotificationsItem, discriminator="outbox"):
    """An event waiting for the relay; written in the same transaction as the change it announces."""
