"""The signals service's table: one table, entities told apart by the ``entity`` discriminator.

Keys (``pk`` / ``sk``):

- ``SIGNAL#<id>`` / ``SIGNAL``: a signal (active or archived). Holds only what Jeugdwet 7.1.4.3 allows.
- ``KEY#<kind>#<pseudonym>`` / ``HEAD``: one matching key (a youth, a parent, an address) with a version that
  every registration and removal on that key bumps conditionally: two registrations on one youth cannot both
  commit from the same read, so matching is race-free.
- ``KEY#<kind>#<pseudonym>`` / ``SIGNAL#<id>``: an active signal on that key; ``ARCHIVED#<id>``: an archived
  one (youth keys only), for the one-time historical match notice.
- ``MATCH#<id>`` / ``MATCH``: a match and its follow-up; ``MATCH#<id>`` / ``PARTY#<signal id>``: a party.
- ``STAT#<yyyy-mm>`` / ``<iso time>#<kind>#<id>``: a non-identifying fact for the statistics.

Indexes: ``by_owner`` (a professional's signals and match parties, newest first), ``by_follow_up``
(a municipality's matches per follow-up state) and ``by_due`` (the sweeper's deadlines, sparse).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from services.shared.dynamo import OutboxFields, ServiceItem, service_table_meta

DUE_SHARD = "DUE"


class OwnerIndex(GlobalSecondaryIndex["SignalsItem"]):
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    owner_sort = UnicodeAttribute(range_key=True)


class FollowUpIndex(GlobalSecondaryIndex["SignalsItem"]):
    class Meta:
        index_name = "by_follow_up"
        projection = AllProjection()

    follow_up_key = UnicodeAttribute(hash_key=True)
    follow_up_sort = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex["SignalsItem"]):
    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class SignalsItem(ServiceItem):
    """Base of every item in the signals table."""

    Meta = service_table_meta("signals")
    entity = DiscriminatorAttribute()
    # Index attributes, set only on the entities an index is for (the indexes are sparse).
    owner = UnicodeAttribute(null=True)
    owner_sort = UnicodeAttribute(null=True)
    follow_up_key = UnicodeAttribute(null=True)
    follow_up_sort = UnicodeAttribute(null=True)
    due_shard = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    by_owner = OwnerIndex()
    by_follow_up = FollowUpIndex()
    by_due = DueIndex()


class SignalsOutbox(OutboxFields, SignalsItem, discriminator="outbox"):
    """An event waiting for the relay; written in the same transaction as the change it announces."""


class ContactFields:
    """A professional's contact details as the law lets a signal hold them (7.1.4.3 b)."""

    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    organization = UnicodeAttribute()
    organization_name = UnicodeAttribute()
    coordinator_name = UnicodeAttribute(null=True)
    coordinator_email = UnicodeAttribute(null=True)
    coordinator_phone = UnicodeAttribute(null=True)


class SignalItem(ContactFields, SignalsItem, discriminator="signal"):
    signal_id = UnicodeAttribute()
    status = UnicodeAttribute()  # active | archived
    subject = UnicodeAttribute()  # the youth's pseudonym (keyed HMAC of the BSN, or of name/birth date/sex)
    # KMS ciphertext of the BSN (or the no-BSN identity), shown to this signaller only; dropped on archiving
    identity = UnicodeAttribute(null=True)
    has_bsn = BooleanAttribute()
    birth_date = UnicodeAttribute()
    municipality = UnicodeAttribute()
    match_keys = ListAttribute[str]()  # the matching keys this signal is entered under (strings)
    match_ids = ListAttribute[str](default=list)  # the matches it is a party to (strings)
    registered_at = UnicodeAttribute()
    removal_due = UnicodeAttribute()
    removal_cause = UnicodeAttribute()  # two_years | age_23
    next_review = NumberAttribute(null=True)  # months: 6, 12, 18
    removed_at = UnicodeAttribute(null=True)
    archive_until = UnicodeAttribute(null=True)


class KeyHead(SignalsItem, discriminator="key-head"):
    version = NumberAttribute(default=0)
    match_id = UnicodeAttribute(null=True)


class KeyEntry(ContactFields, SignalsItem, discriminator="key-entry"):
    """An active signal on a key, with its signaller's contact details (so a match is formed without reads)."""

    signal_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    municipality = UnicodeAttribute()


class ArchivedEntry(ContactFields, SignalsItem, discriminator="archived-entry"):
    """An archived signal on a youth key: produces one historical match notice (7.1.4.6)."""

    signal_id = UnicodeAttribute()
    notified = BooleanAttribute(default=False)


class MatchItem(SignalsItem, discriminator="match"):
    match_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # youth | family | address | historical
    key = UnicodeAttribute()
    subject = UnicodeAttribute(null=True)  # the youth's pseudonym for a youth match
    municipality = UnicodeAttribute()
    created_at = UnicodeAttribute()
    follow_up = UnicodeAttribute()  # open | overdue | done | closed | not_applicable
    follow_up_due = UnicodeAttribute(null=True)
    escalation_due = UnicodeAttribute(null=True)
    escalated = BooleanAttribute(default=False)
    coordinator_party_id = UnicodeAttribute(null=True)
    coordinator_user_id = UnicodeAttribute(null=True)
    coordinator_source = UnicodeAttribute(null=True)  # match | plan
    outcome = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    version = NumberAttribute(default=0)


class PartyItem(ContactFields, SignalsItem, discriminator="party"):
    match_id = UnicodeAttribute()
    party_id = UnicodeAttribute()  # the party's signal id
    subject = UnicodeAttribute()  # the youth of the party's signal (a pseudonym)
    joined_at = UnicodeAttribute()
    contact_made_at = UnicodeAttribute(null=True)
    left_at = UnicodeAttribute(null=True)


class StatFact(SignalsItem, discriminator="stat"):
    """A non-identifying fact for the statistics (7.1.2.3 h): no subject, no user, only codes and dates."""

    fact = UnicodeAttribute()  # signal | match | follow_up
    municipality = UnicodeAttribute()
    domain = UnicodeAttribute(null=True)  # the signalling organisation's domain
    kind = UnicodeAttribute(null=True)  # the match kind
    within_deadline = BooleanAttribute(null=True)
