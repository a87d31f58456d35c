"""A change and the events that announce it, written in one DynamoDB transaction.

::

    with UnitOfWork(SignalsOutbox) as uow:
        uow.save(signal, condition=Signal.pk.does_not_exist())
        uow.publish(SignalRegistered(signal_id=signal.id, ...))
        uow.audit(AuditRecord.by(actor, ...))

On leaving the block the item writes, an outbox item per event, and the audit records go out as one
``TransactWriteItems``: either all of it happened, or none. The table's stream then feeds the relay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from services.shared.audit import AuditEntry, AuditRecord, audit_retention
from services.shared.events import Event, EventData, new_event
from services.shared.settings import get_settings

MAX_TRANSACTION_ITEMS = 100


class TransactionConflict(Exception):
    """A condition of the transaction failed, or a concurrent transaction touched the same items.

    ``failed`` holds the positions (in the order the writes were added) whose condition failed, so the
    use case can tell which rule was broken and map it to a domain error.
    """

    def __init__(self, failed: list[int], codes: list[str | None]) -> None:
        super().__init__(f"transaction cancelled: {codes}")
        self.failed = failed
        self.codes = codes

    @property
    def concurrent(self) -> bool:
        return any(code == "TransactionConflict" for code in self.codes)


@dataclass
class _Write:
    op: str
    item: Model
    condition: Condition | None = None
    actions: list[Any] = field(default_factory=list)


class UnitOfWork:
    def __init__(self, outbox_model: type[Model]) -> None:
        self._outbox_model = outbox_model
        self._writes: list[_Write] = []
        self.events: list[Event[Any]] = []
        self._committed = False

    # -- collecting ---------------------------------------------------------------------------------
    def save(self, item: Model, condition: Condition | None = None) -> int:
        return self._add(_Write("save", item, condition))

    def update(self, item: Model, actions: list[Any], condition: Condition | None = None) -> int:
        return self._add(_Write("update", item, condition, actions))

    def delete(self, item: Model, condition: Condition | None = None) -> int:
        return self._add(_Write("delete", item, condition))

    def check(self, item: Model, condition: Condition) -> int:
        """A condition on an item that is not written (e.g. 'the match still has no coordinator')."""
        return self._add(_Write("check", item, condition))

    def publish(self, data: EventData) -> Event[Any]:
        """Announce ``data`` once the transaction commits; returns the envelope (its id, for the caller)."""
        event = new_event(data)
        ttl = timedelta(hours=get_settings().outbox_ttl_hours)
        outbox = self._outbox_model(
            pk=f"OUTBOX#{event.metadata.event_id}",
            sk="OUTBOX",
            event_id=event.metadata.event_id,
            event_type=event.metadata.event_type,
            source=data.source(),
            envelope=event.model_dump_json(),
            expires_at=event.metadata.occurred_at + ttl,
        )
        self._add(_Write("save", outbox, self._outbox_model.pk.does_not_exist()))  # type: ignore[attr-defined]
        self.events.append(event)
        return event

    def audit(self, record: AuditRecord) -> None:
        """Write the audit record in the same transaction: no change without its record (fail closed)."""
        entry = AuditEntry.from_record(record, retention=audit_retention())
        self._add(_Write("save", entry, AuditEntry.pk.does_not_exist()))

    def _add(self, write: _Write) -> int:
        if self._committed:
            raise RuntimeError("this unit of work was already committed")
        if len(self._writes) >= MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} writes")
        self._writes.append(write)
        return len(self._writes) - 1

    # -- committing ---------------------------------------------------------------------------------
    def commit(self) -> None:
        if self._committed or not self._writes:
            self._committed = True
            return
        try:
            with TransactWrite(connection=Connection()) as tx:
                for w in self._writes:
                    if w.op == "save":
                        tx.save(w.item, condition=w.condition)
                    elif w.op == "update":
                        tx.update(w.item, actions=w.actions, condition=w.condition)
                    elif w.op == "delete":
                        tx.delete(w.item, condition=w.condition)
                    else:
                        model = type(w.item)
                        hash_key = getattr(w.item, str(model._hash_keyname))
                        range_name = model._range_keyname
                        range_key = getattr(w.item, range_name) if range_name else None
                        tx.condition_check(model, hash_key, range_key, condition=w.condition)
        except TransactWriteError as error:
            reasons = error.cancellation_reasons or []
            codes = [r.code if r else None for r in reasons]
            failed = [i for i, code in enumerate(codes) if code == "ConditionalCheckFailed"]
            if failed or any(code == "TransactionConflict" for code in codes):
                raise TransactionConflict(failed, codes) from error
            raise
        self._committed = True

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()
