"""The notifications service's table: one table, entities told apart by the ``entity`` discriminator.

Keys (``pk`` / ``sk``):

- ``USER#<user id>`` / ``INBOX#U#<notification id>`` (unread) or ``INBOX#R#<notification id>`` (read): an inbox
  item. Notification ids start with the time, so one descending query lists unread items first (``U`` sorts
  after ``R``), newest first within each. Marking read moves the item (delete + put in one transaction).
- ``USER#<user id>`` / ``PREFS``: the recipient's preferences (absent: the category defaults).
- ``USER#<user id>`` / ``DEVICE#<device id>``: a registered push token and its SNS platform endpoint.
- ``DELIVERY#<event id>`` / ``<recipient>#<channel>``: one delivery of one event to one recipient on one
  channel - sent, failed, or held for the end of quiet hours. It makes delivery exactly-once per (event,
  recipient, channel) and holds only ids, codes and the template's parameters (ids, counts, dates).

Index ``by_due`` (sparse): held deliveries by the moment quiet hours end, for the sweeper.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from services.shared.dynamo import OutboxFields, ServiceItem, service_table_meta

DUE_SHARD = "HELD"


class DueIndex(GlobalSecondaryIndex["NotificationsItem"]):
    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class NotificationsItem(ServiceItem):
    """Base of every item in the notifications table."""

    Meta = service_table_meta("notifications")
    entity = DiscriminatorAttribute()
    due_shard = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    by_due = DueIndex()


class NotificationsOutbox(OutboxFields, NotificationsItem, discriminator="outbox"):
    """An event waiting for the relay; written in the same transaction as the change it announces."""


class InboxItem(NotificationsItem, discriminator="inbox"):
    notification_id = UnicodeAttribute()
    category = UnicodeAttribute()
    template = UnicodeAttribute()
    params = UnicodeAttribute()  # JSON: the template's parameters (ids, counts, dates)
    link = UnicodeAttribute()  # the app path
    urgent = BooleanAttribute(default=False)
    for_matchregie = BooleanAttribute(default=False)  # the title speaks to the municipality's officer
    created_at = UnicodeAttribute()
    read_at = UnicodeAttribute(null=True)
    source_event_id = UnicodeAttribute()


class PreferencesItem(NotificationsItem, discriminator="prefs"):
    channels = UnicodeAttribute()  # JSON: category -> external channels
    language = UnicodeAttribute()
    quiet_start = UnicodeAttribute(null=True)  # "HH:MM"
    quiet_end = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute(default="Europe/Amsterdam")
    updated_at = UnicodeAttribute()


class DeviceItem(NotificationsItem, discriminator="device"):
    device_id = UnicodeAttribute()
    platform = UnicodeAttribute()  # apns | fcm
    token_hash = UnicodeAttribute()  # sha256 of the token: the same token registered twice is one device
    endpoint_arn = UnicodeAttribute()
    registered_at = UnicodeAttribute()


class DeliveryItem(NotificationsItem, discriminator="delivery"):
    recipient = UnicodeAttribute()  # user id, or "matchregie:<CBS code>" for a municipality's mailbox
    channel = UnicodeAttribute()
    status = UnicodeAttribute()  # sent | failed | held
    notification_id = UnicodeAttribute()
    category = UnicodeAttribute()
    template = UnicodeAttribute()
    params = UnicodeAttribute()
    link = UnicodeAttribute()
    for_matchregie = BooleanAttribute(default=False)
    source_event_id = UnicodeAttribute()
    region = UnicodeAttribute()
    correlation_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)  # why it failed: a code
    attempts = NumberAttribute(default=0)
    updated_at = UnicodeAttribute()
