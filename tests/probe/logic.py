"""The probe's use cases: create items (item + event + audit record in one transaction) and count effects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from services.shared.audit import AuditAction, AuditRecord
from services.shared.errors import Conflict, NotFound
from services.shared.outbox import TransactionConflict, UnitOfWork
from services.shared.principal import Principal
from tests.probe.dal import SWEEPS_KEY, ProbeItem, ProbeOutbox, ProbeSweeps, item_key
from tests.probe.events import ProbeItemCreated


def create_items(actor: Principal, wanted: Sequence[tuple[str, bool]]) -> list[ProbeItem]:
    """Create every ``(id, fail)`` item and announce each, all in one transaction (or nothing at all)."""
    items = []
    uow = UnitOfWork(ProbeOutbox)
    for item_id, fail in wanted:
        event = uow.publish(ProbeItemCreated(item_id=item_id, fail=fail))
        pk, sk = item_key(item_id)
        item = ProbeItem(
            pk=pk, sk=sk, item_id=item_id, fail=fail, event_id=event.metadata.event_id, created_by=actor.user_id
        )
        uow.save(item, condition=ProbeItem.pk.does_not_exist())
        uow.audit(
            AuditRecord.by(
                actor,
                service="probe",
                event="probe-item.create",
                action=AuditAction.CREATE,
                basis="test probe",
                objects=(f"probe-item:{item_id}",),
            )
        )
        items.append(item)
    try:
        uow.commit()
    except TransactionConflict as conflict:
        raise Conflict("an item with this id exists", code="item_exists") from conflict
    return items


def get_item(item_id: str) -> ProbeItem:
    try:
        return ProbeItem.get(*item_key(item_id))
    except DoesNotExist:
        raise NotFound(f"no probe item {item_id!r}") from None


def record_effect(item_id: str) -> None:
    """The consumer's effect: counted, so a duplicate delivery that took effect twice would show."""
    pk, sk = item_key(item_id)
    ProbeItem(pk=pk, sk=sk).update(actions=[ProbeItem.effects.add(1)], condition=ProbeItem.pk.exists())


def record_sweep(now: datetime) -> int:
    sweeps = ProbeSweeps(*SWEEPS_KEY)
    sweeps.update(actions=[ProbeSweeps.runs.add(1), ProbeSweeps.last_now.set(now.isoformat())])
    return int(sweeps.runs)


def sweeps() -> ProbeSweeps:
    try:
        return ProbeSweeps.get(*SWEEPS_KEY)
    except DoesNotExist:
        return ProbeSweeps(*SWEEPS_KEY, runs=0)
