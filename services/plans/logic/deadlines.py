"""What falls due in a plan, on the Dutch calendar: the evaluation reminder two weeks ahead, an action the
day after its due date, a destruction the family asked for (at once), and the end of the retention period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.plans.models.plan import Plan

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EVALUATION_NOTICE = timedelta(days=14)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), AMSTERDAM).astimezone(UTC)


def evaluation_reminder(plan: Plan) -> datetime | None:
    if plan.evaluation_date is None or plan.evaluation_notified or plan.closed_at is not None:
        return None
    return local_midnight(plan.evaluation_date - EVALUATION_NOTICE)


def overdue_from(due: date) -> datetime:
    return local_midnight(due + timedelta(days=1))


def next_due(plan: Plan) -> datetime | None:
    moments: list[datetime] = []
    if plan.destruction_requested_at is not None:
        moments.append(plan.destruction_requested_at)
    if plan.closed_at is not None and plan.retention_until is not None:
        moments.append(local_midnight(plan.retention_until))
    if plan.closed_at is None:
        reminder = evaluation_reminder(plan)
        if reminder is not None:
            moments.append(reminder)
        for action in plan.actions:
            if action.due_date and action.status in ("open", "in_progress") and not action.overdue_notified:
                moments.append(overdue_from(action.due_date))
    return min(moments) if moments else None
