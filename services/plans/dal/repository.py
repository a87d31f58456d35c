"""The only place that knows how plans are laid out in DynamoDB. Reads are gets and queries, never scans."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from services.plans.dal.tables import (
    DUE_SHARD,
    FamilyKey,
    HistoryItem,
    Participation,
    PlanItem,
    PlansItem,
    PlansOutbox,
)
from services.plans.models.plan import Plan
from services.shared.outbox import UnitOfWork


def unit_of_work() -> UnitOfWork:
    return UnitOfWork(PlansOutbox)


def plan_key(plan_id: str) -> str:
    return f"PLAN#{plan_id}"


def get_plan(plan_id: str) -> Plan | None:
    try:
        item = PlanItem.get(plan_key(plan_id), "PLAN", consistent_read=True)
    except DoesNotExist:
        return None
    if not isinstance(item, PlanItem):
        return None
    return Plan.model_validate_json(item.document)


def family_plan(subject: str) -> str | None:
    try:
        item = FamilyKey.get(f"FAMILY#{subject}", "FAMILY", consistent_read=True)
    except DoesNotExist:
        return None
    return item.plan_id if isinstance(item, FamilyKey) else None


def plans_of(user_id: str) -> list[str]:
    found = PlansItem.query(f"USER#{user_id}", PlansItem.sk.startswith("PLAN#"), consistent_read=True)
    return [i.plan_id for i in found if isinstance(i, Participation)]


def history(plan_id: str) -> list[HistoryItem]:
    found = PlansItem.query(plan_key(plan_id), PlansItem.sk.startswith("HISTORY#"), consistent_read=True)
    return [i for i in found if isinstance(i, HistoryItem)]


def participants(plan: Plan) -> set[str]:
    """Everyone with an account who takes part now: family members, network members whose access has not
    ended (the plans' own calendar date), the coordinator."""
    from services.plans.logic.access import active
    from services.plans.logic.plans import today

    network = {n.user_id for n in plan.network if n.user_id and active(n, today())}
    users = {m.user_id for m in plan.members if m.user_id} | network
    return {u for u in users if u} | {plan.coordinator.user_id}


def save(
    uow: UnitOfWork,
    plan: Plan,
    *,
    previous: Plan | None,
    by: str,
    change: str,
    items: Iterable[str],
    at: str,
    history: bool = True,
) -> None:
    """Add the plan (conditional on ``previous``'s revision), its history entry (for a change a person made)
    and the changed participations to ``uow``. The plan's next due moment goes into the sparse index."""
    due = next_due(plan)
    item = PlanItem(
        plan_key(plan.id), "PLAN", version=plan.version, revision=plan.revision, document=plan.model_dump_json(),
        due_shard=DUE_SHARD if due else None, due_at=f"{due.isoformat()}#{plan.id}" if due else None,
    )  # fmt: skip
    if previous is None:
        uow.save(item, condition=PlanItem.pk.does_not_exist())
    else:
        uow.save(item, condition=PlanItem.revision == previous.revision)
    if history:
        uow.save(
            HistoryItem(
                plan_key(plan.id), f"HISTORY#{plan.version:08d}", version=plan.version, at=at, by=by, change=change,
                items=list(items),
            ),
            condition=HistoryItem.pk.does_not_exist(),
        )  # fmt: skip
    before = participants(previous) if previous else set()
    after = participants(plan)
    for user in sorted(after - before):
        uow.save(Participation(f"USER#{user}", f"PLAN#{plan.id}", plan_id=plan.id))
    for user in sorted(before - after):
        uow.delete(Participation(f"USER#{user}", f"PLAN#{plan.id}", plan_id=plan.id))


def next_due(plan: Plan) -> datetime | None:
    """The first moment the sweeper has something to do for this plan, or None."""
    from services.plans.logic.deadlines import next_due as compute

    return compute(plan)


def due_plans(now: datetime, limit: int = 50) -> list[str]:
    found = PlansItem.by_due.query(DUE_SHARD, PlansItem.due_at <= f"{now.isoformat()}~", limit=limit)
    return [i.pk.removeprefix("PLAN#") for i in found if isinstance(i, PlanItem)]


def destroy(plan: Plan) -> int:
    """Delete every item of the plan: the document, its history, its family keys and participations."""
    keys = [(i.pk, i.sk) for i in PlansItem.query(plan_key(plan.id), consistent_read=True)]
    keys += [(f"FAMILY#{m.subject}", "FAMILY") for m in plan.members if m.subject and family_plan(m.subject) == plan.id]
    keys += [(f"USER#{u}", f"PLAN#{plan.id}") for u in participants(plan)]
    with PlansItem.batch_write() as batch:
        for pk, sk in keys:
            batch.delete(PlansItem(pk, sk))
    return len(keys)


def claim_family(uow: UnitOfWork, subject: str, plan_id: str) -> int:
    """One family, one plan: fails the transaction (at the returned position) if the child has a plan."""
    return uow.save(FamilyKey(f"FAMILY#{subject}", "FAMILY", plan_id=plan_id), condition=FamilyKey.pk.does_not_exist())


def dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)
