"""The plans sweeper: evaluation reminders, overdue actions, and destruction (on request, or when the
retention period ends). Works from the sparse ``by_due`` index; each plan in its own conditional write."""

from __future__ import annotations

from datetime import datetime

from services.plans.dal import repository as repo
from services.plans.logic.deadlines import evaluation_reminder, overdue_from
from services.plans.models.plan import Plan
from services.shared import audit
from services.shared.audit import AuditAction, AuditRecord
from services.shared.contracts.plans import PlanActionOverdue, PlanEvaluationDue
from services.shared.events import EventData
from services.shared.observability import logger
from services.shared.outbox import TransactionConflict
from services.shared.principal import Principal

COMPONENT = "plans-deadlines"


def sweep(now: datetime, region: str) -> dict[str, int]:
    actor = Principal.for_system(COMPONENT, region)
    counts = {"reminders": 0, "overdue": 0, "destroyed": 0, "conflicts": 0}
    for plan_id in repo.due_plans(now):
        try:
            plan = repo.get_plan(plan_id)
        except ValueError:  # a document that does not read back: log it, and go on with the others
            logger().exception("a plan could not be read", extra={"plan_id": plan_id})
            counts["unreadable"] = counts.get("unreadable", 0) + 1
            continue
        if plan is None:
            continue
        if _destroy_due(plan, now):
            audit.write(_record(actor, plan.id, "plan.destroy", AuditAction.DELETE))
            repo.destroy(plan)
            counts["destroyed"] += 1
            continue
        try:
            reminders, overdue = _remind(plan, now, actor)
        except TransactionConflict:
            counts["conflicts"] += 1  # someone changed it meanwhile: the next sweep looks again
            continue
        counts["reminders"] += reminders
        counts["overdue"] += overdue
    return counts


def _destroy_due(plan: Plan, now: datetime) -> bool:
    if plan.destruction_requested_at is not None:
        return True
    return plan.closed_at is not None and plan.retention_until is not None and now.date() >= plan.retention_until


def _record(actor: Principal, plan_id: str, event: str, action: AuditAction) -> AuditRecord:
    return AuditRecord.by(
        actor, service="plans", event=event, action=action, basis="retention and reminders of the family plan",
        client=f"plan:{plan_id}", objects=(f"plan:{plan_id}",),
    )  # fmt: skip


def _remind(plan: Plan, now: datetime, actor: Principal) -> tuple[int, int]:
    updated = plan.model_copy(deep=True)
    events: list[EventData] = []
    reminder = evaluation_reminder(plan)
    family = sorted({m.user_id for m in plan.members if m.user_id and m.kind == "parent"})
    if reminder is not None and reminder <= now and plan.evaluation_date is not None:
        updated.evaluation_notified = True
        events.append(
            PlanEvaluationDue(
                plan_id=plan.id, evaluation_date=plan.evaluation_date,
                recipients=sorted({plan.coordinator.user_id, *family}),
            )
        )  # fmt: skip
    overdue = 0
    for action in updated.actions:
        open_ = action.status in ("open", "in_progress") and not action.overdue_notified
        if not (action.due_date and open_ and overdue_from(action.due_date) <= now):
            continue
        action.overdue_notified = True
        owner = plan.member(action.owner) or plan.network_member(action.owner)
        recipients = sorted({u for u in (owner.user_id if owner else None, plan.coordinator.user_id) if u})
        events.append(
            PlanActionOverdue(plan_id=plan.id, action_id=action.id, due_date=action.due_date, recipients=recipients)
        )
        overdue += 1
    if not events:
        logger().info("plan due but nothing to do", extra={"plan_id": plan.id})
    updated.revision = plan.revision + 1
    uow = repo.unit_of_work()
    repo.save(uow, updated, previous=plan, by=actor.user_id, change="reminders", items=[], at=now.isoformat(),
              history=False)  # fmt: skip
    for event in events:
        uow.publish(event)
    uow.audit(_record(actor, plan.id, "plan.reminders", AuditAction.READ))
    uow.commit()
    return (1 if updated.evaluation_notified and not plan.evaluation_notified else 0), overdue
