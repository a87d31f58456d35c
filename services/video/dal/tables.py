"""The video service's table: one table, entities told apart by the ``entity`` discriminator."""

from __future__ import annotations

from pynamodb.attributes import DiscriminatorAttribute

from services.shared.dynamo import OutboxFields, ServiceItem, service_table_meta


class VideoItem(ServiceItem):
    """Base of every item in the video table."""

    Meta = service_table_meta("video")
    entity = DiscriminatorAttribute()


class VideoOutbox(OutboxFields, VideoItem, discriminator="outbox"):
    """An event waiting for the relay; written in the same transaction as the change it announces."""
