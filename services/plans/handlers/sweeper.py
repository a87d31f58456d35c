"""Sweeper: the family plans' reminders, overdue actions and destruction (every 15 minutes)."""

from __future__ import annotations

from datetime import datetime

from services.shared.sweeper import sweeper


@sweeper("plans-deadlines")
def handler(now: datetime) -> dict[str, int]:
    from services.plans.logic.sweep import sweep
    from services.shared.settings import get_settings

    return sweep(now, get_settings().region)
