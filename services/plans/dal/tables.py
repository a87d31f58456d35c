"""The plans service's table: one table, entities told apart by the ``entity`` discriminator.

Keys (``pk`` / ``sk``):

- ``PLAN#<id>`` / ``PLAN``: the plan document (JSON) and its version; every write is conditional on the
  version it read (optimistic concurrency).
- ``PLAN#<id>`` / ``HISTORY#<version, 8 digits>``: what one change did: who, when, which part, which items.
- ``FAMILY#<child pseudonym>`` / ``FAMILY``: the plan of the family this child belongs to; written
  conditionally with the plan, so one family has one plan however it is started.
- ``USER#<user id>`` / ``PLAN#<id>``: the user takes part in the plan (for ``GET /plans``); written and
  removed with the membership it mirrors.
"""

from __future__ import annotations

from pynamodb.attributes import DiscriminatorAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from services.shared.dynamo import OutboxFields, ServiceItem, service_table_meta


class PlansItem(ServiceItem):
    """Base of every item in the plans table."""

    Meta = service_table_meta("plans")
    entity = DiscriminatorAttribute()


class PlansOutbox(OutboxFields, PlansItem, discriminator="outbox"):
    """An event waiting for the relay; written in the same transaction as the change it announces."""


class PlanItem(PlansItem, discriminator="plan"):
    version = NumberAttribute()
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
