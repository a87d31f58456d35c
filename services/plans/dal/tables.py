"""The plans service's table: one table, entities told apart by the ``entity`` discriminator.

Keys (``pk`` / ``sk``):

- ``PLAN#<id>`` / ``PLAN``: the plan document (JSON) and its version; every write is conditional on the
  version it read (optimistic concurrency).
- ``PLAN#<id>`` / ``HISTORY#<version, 8 digits>``: what one change did: who, when, which part, which items.
- ``FAMILY#<child pseudonym>`` / ``FAMILY``: the plan of the family this child belongs to; written
  conditionally with the plan, so one family has one plan however it is started.
- ``USER#<user id>`` / ``PLAN#<id>``: the user takes part in the plan (for ``GET /plans``); written and
  removed with the membership it mirrors.

Index ``by_due`` (sparse): plans with something due (a reminder, an overdue action, a destruction), by when.
"""

from __future__ import annotations

from pynamodb.attributes import DiscriminatorAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from services.shared.dynamo import OutboxFields, ServiceItem, service_table_meta

DUE_SHARD = "DUE"


class DueIndex(GlobalSecondaryIndex["PlansItem"]):
    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class PlansItem(ServiceItem):
    """Base of every item in the plans table."""

    Meta = service_table_meta("plans")
    entity = DiscriminatorAttribute()
    due_shard = UnicodeAttribute(null=True)  # set on plans with something due (the sweeper's sparse index)
    due_at = UnicodeAttribute(null=True)
    by_due = DueIndex()


class PlansOutbox(OutboxFields, PlansItem, discriminator="outbox"):
    """An event waiting for the relay; written in the same transaction as the change it announces."""


class PlanItem(PlansItem, discriminator="plan"):
    version = NumberAttribute()
    revision = NumberAttribute()
    document = UnicodeAttribute()


class HistoryItem(PlansItem, discriminator="history"):
    version = NumberAttribute()
    at = UnicodeAttribute()
    by = UnicodeAttribute()  # user id
    change = UnicodeAttribute()  # e.g. "goal.add", "consent.revoke"
    items = ListAttribute(of=UnicodeAttribute, default=list)  # ids of what changed


class FamilyKey(PlansItem, discriminator="family"):
    plan_id = UnicodeAttribute()


class Participation(PlansItem, discriminator="participation"):
    plan_id = UnicodeAttribute()
