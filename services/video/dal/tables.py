"""The video service's table: one table, entities told apart by the ``entity`` discriminator.

Keys (``pk`` / ``sk``):

- ``CONTACT#<id>`` / ``CONTACT``: a parent's contact: where it was routed, its state (waiting → offered →
  active → ended, or abandoned), the offer, the nurse, the meeting, the log (attempts, times, outcome). Every
  change is conditional on the ``revision`` it read.
- ``CONTACT#<id>`` / ``MSG#<sent at>#<random>``: one chat message; it expires with the region's transcript period.
- ``NURSE#<user id>`` / ``PRESENCE``: a nurse's presence (available / busy / away, last heartbeat), capacity and
  the number of contacts offered to or held by them (``active``). An offer or an accept adds one on the condition
  ``active < limit``, in the same transaction as the contact, so nobody goes over capacity.
- ``ROSTER#<local date>`` / ``<org>#<start>#<nurse>``: a shift, under the date it starts (Europe/Amsterdam).
- ``USER#<user id>`` / ``CONTACT#<requested at>#<id>``: the contact is this user's (the parent's; the nurse's
  once accepted), for ``GET /video/contacts/mine``; it expires with the contact.
- ``USER#<parent id>`` / ``OPEN``: the parent's open contact (one at a time).

Every item about a family carries ``expires_at`` (DynamoDB TTL), and reads treat an expired item as gone: TTL
deletes within days, not on the second.

Indexes (sparse): ``by_queue`` (open contacts per organisation: waiting or offered, urgent first, then oldest;
then the active ones: what dispatch and the sweeper walk) and ``by_presence`` (nurses' presence per
organisation).
"""

from __future__ import annotations

from pynamodb.attributes import (
    DiscriminatorAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from services.shared.dynamo import OutboxFields, ServiceItem, service_table_meta


class QueueIndex(GlobalSecondaryIndex["VideoItem"]):
    class Meta:
        index_name = "by_queue"
        projection = AllProjection()

    queue_org = UnicodeAttribute(hash_key=True)
    queue_rank = UnicodeAttribute(range_key=True)


class PresenceIndex(GlobalSecondaryIndex["VideoItem"]):
    class Meta:
        index_name = "by_presence"
        projection = AllProjection()

    presence_org = UnicodeAttribute(hash_key=True)
    pk = UnicodeAttribute(range_key=True)


class VideoItem(ServiceItem):
    """Base of every item in the video table."""

    Meta = service_table_meta("video")
    entity = DiscriminatorAttribute()
    queue_org = UnicodeAttribute(null=True)
    queue_rank = UnicodeAttribute(null=True)
    presence_org = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    by_queue = QueueIndex()
    by_presence = PresenceIndex()


class VideoOutbox(OutboxFields, VideoItem, discriminator="outbox"):
    """An event waiting for the relay; written in the same transaction as the change it announces."""


class ContactItem(VideoItem, discriminator="contact"):
    revision = NumberAttribute()
    document = UnicodeAttribute()  # the Contact model as JSON


class MessageItem(VideoItem, discriminator="message"):
    sender = UnicodeAttribute()  # "parent" | "nurse"
    sender_id = UnicodeAttribute()
    text = UnicodeAttribute()
    sent_at = UnicodeAttribute()


class PresenceItem(VideoItem, discriminator="presence"):
    user_id = UnicodeAttribute()
    organization = UnicodeAttribute()
    status = UnicodeAttribute()  # available | busy | away
    capacity = NumberAttribute()
    limit = NumberAttribute()  # min(capacity, the region's maximum): what the conditional writes compare with
    active = NumberAttribute(default=0)
    heartbeat_at = UnicodeAttribute()
    idle_since = UnicodeAttribute()


class ShiftItem(VideoItem, discriminator="shift"):
    nurse_id = UnicodeAttribute()
    nurse = UnicodeAttribute()  # user name, as the planner gave it
    organization = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    channels = ListAttribute[str]()
    languages = ListAttribute[str]()
    set_by = UnicodeAttribute()


class ContactPointer(VideoItem, discriminator="pointer"):
    contact_id = UnicodeAttribute()


class OpenContact(VideoItem, discriminator="open"):
    """``USER#<parent>`` / ``OPEN``: the parent's one open contact; created on the condition that there is none, so
    two taps at once queue the family once."""

    contact_id = UnicodeAttribute()
