"""The region-wide tables of the platform (not owned by any service), defined once for both hosts."""

from __future__ import annotations

from services.shared.audit import AuditEntry
from services.shared.manifest import KeyAttribute, TableDefinition, TableSpec

AUDIT_TABLE: TableDefinition = TableSpec(name="audit", model=AuditEntry, stream=False).definition()

# The layout Powertools' DynamoDBPersistenceLayer expects by default.
IDEMPOTENCY_TABLE = TableDefinition(
    name="idempotency",
    partition_key=KeyAttribute(name="id", type="S"),
    sort_key=None,
    ttl_attribute="expiration",
    stream=False,
)
