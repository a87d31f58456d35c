"""NEN 7513 audit records, written to the region's append-only audit table.

Every read or write of personal data writes one record. Writes fail closed: if the record cannot be
written, the action fails (reads raise before any data is returned; writes put the record in the same
transaction as the change, see ``outbox.UnitOfWork.audit``). The functions' roles may put into the audit
table but never update or delete, and every put is conditional on the key being new.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pynamodb.attributes import BooleanAttribute, ListAttribute, TTLAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from services.shared import clock, correlation
from services.shared.dynamo import kernel_table_meta
from services.shared.errors import ServiceUnavailable
from services.shared.principal import Principal


class AuditAction(StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    SEARCH = "search"
    EXPORT = "export"
    PRINT = "print"
    TRANSFER = "transfer"
    EMERGENCY = "emergency"  # break-glass access


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class AuditRecord(BaseModel):
    """The NEN 7513 fields: event, time, client, user, responsible user, organisation and role, access point,
    objects, authorisation basis, break-glass and outcome."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: AwareDatetime = Field(default_factory=clock.now)
    service: str
    event: str = Field(description="what happened, e.g. 'signal.register'")
    action: AuditAction
    client: str | None = Field(default=None, description="pseudonym of the person the data is about")
    user_id: str
    responsible_user_id: str = Field(description="on whose behalf the user acted (the user themselves if nobody)")
    organization: str | None = None
    roles: frozenset[str] = frozenset()
    source_ip: str | None = None
    application: str | None = None
    objects: tuple[str, ...] = Field(default=(), description="'<type>:<id>' of every object involved")
    basis: str = Field(description="authorisation basis: role, consent or legal ground")
    break_glass: bool = False
    outcome: AuditOutcome = AuditOutcome.SUCCESS
    correlation_id: str = Field(default_factory=correlation.current)

    @classmethod
    def by(
        cls,
        actor: Principal,
        *,
        service: str,
        event: str,
        action: AuditAction,
        basis: str,
        client: str | None = None,
        objects: tuple[str, ...] = (),
        outcome: AuditOutcome = AuditOutcome.SUCCESS,
        responsible_user_id: str | None = None,
        break_glass: bool = False,
    ) -> AuditRecord:
        """A record of ``actor`` doing ``action``; who, where from and as what come from the principal."""
        return cls(
            service=service,
            event=event,
            action=action,
            client=client,
            user_id=actor.user_id,
            responsible_user_id=responsible_user_id or actor.user_id,
            organization=actor.organization,
            roles=frozenset(r.value for r in actor.roles) or frozenset({"system"} if actor.system else ()),
            source_ip=actor.source_ip,
            application=actor.application,
            objects=objects,
            basis=basis,
            break_glass=break_glass,
            outcome=outcome,
        )


class UserIndex(GlobalSecondaryIndex["AuditEntry"]):
    """What a user accessed, newest last (for supervision of access)."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class AuditEntry(Model):
    """pk ``CLIENT#<pseudonym>`` (or ``USER#<id>`` when no client), sk ``<occurred_at>#<record_id>``:
    a person's right to see who accessed their data is one query."""

    Meta = kernel_table_meta(lambda s: s.audit_table)

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    record_id = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    service = UnicodeAttribute()
    event = UnicodeAttribute()
    action = UnicodeAttribute()
    client = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute()
    responsible_user_id = UnicodeAttribute()
    organization = UnicodeAttribute(null=True)
    roles = UnicodeSetAttribute(null=True)
    source_ip = UnicodeAttribute(null=True)
    application = UnicodeAttribute(null=True)
    objects = ListAttribute(of=UnicodeAttribute, null=True)
    basis = UnicodeAttribute()
    break_glass = BooleanAttribute()
    outcome = UnicodeAttribute()
    correlation_id = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)
    by_user = UserIndex()

    @classmethod
    def from_record(cls, record: AuditRecord, *, retention: timedelta | None = None) -> AuditEntry:
        stamp = record.occurred_at.isoformat()
        return cls(
            pk=f"CLIENT#{record.client}" if record.client else f"USER#{record.user_id}",
            sk=f"{stamp}#{record.record_id}",
            record_id=record.record_id,
            occurred_at=stamp,
            service=record.service,
            event=record.event,
            action=record.action.value,
            client=record.client,
            user_id=record.user_id,
            responsible_user_id=record.responsible_user_id,
            organization=record.organization,
            roles=set(record.roles) or None,
            source_ip=record.source_ip,
            application=record.application,
            objects=list(record.objects) or None,
            basis=record.basis,
            break_glass=record.break_glass,
            outcome=record.outcome.value,
            correlation_id=record.correlation_id,
            expires_at=(record.occurred_at + retention) if retention else None,
        )

    def to_record(self) -> AuditRecord:
        return AuditRecord(
            record_id=self.record_id,
            occurred_at=datetime.fromisoformat(self.occurred_at),
            service=self.service,
            event=self.event,
            action=AuditAction(self.action),
            client=self.client,
            user_id=self.user_id,
            responsible_user_id=self.responsible_user_id,
            organization=self.organization,
            roles=frozenset(self.roles or ()),
            source_ip=self.source_ip,
            application=self.application,
            objects=tuple(str(o) for o in self.objects or ()),
            basis=self.basis,
            break_glass=self.break_glass,
            outcome=AuditOutcome(self.outcome),
            correlation_id=self.correlation_id,
        )


def audit_retention() -> timedelta:
    """The region's audit retention (region config), as a TTL period."""
    from services.shared.region_config import region_config

    return timedelta(days=365 * region_config().retention.audit_log_years + 4)


def write(record: AuditRecord) -> None:
    """Append one record; raises ServiceUnavailable (fail closed) if the audit log does not take it."""
    entry = AuditEntry.from_record(record, retention=audit_retention())
    try:
        entry.save(condition=AuditEntry.pk.does_not_exist())
    except PynamoDBException as error:
        raise ServiceUnavailable(
            "the audit log is unavailable; the action was not carried out", code="audit_unavailable"
        ) from error


def records_about(client: str) -> list[AuditRecord]:
    """Every access to the data of ``client`` (a pseudonym), oldest first. The caller audits this read."""
    return [e.to_record() for e in AuditEntry.query(f"CLIENT#{client}")]


def write_many(records: list[AuditRecord]) -> None:
    """Append several records (one read that touched several people); fail closed like ``write``.

    A batch write cannot be conditional; each record has a fresh random id, so nothing is overwritten.
    """
    if len(records) == 1:
        write(records[0])
        return
    retention = audit_retention()
    try:
        with AuditEntry.batch_write() as batch:
            for record in records:
                batch.save(AuditEntry.from_record(record, retention=retention))
    except PynamoDBException as error:
        raise ServiceUnavailable(
            "the audit log is unavailable; the action was not carried out", code="audit_unavailable"
        ) from error
