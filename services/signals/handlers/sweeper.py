"""The signals sweeper: review prompts, expiry and archive ends, overdue match follow-up (see logic/sweep.py)."""

from __future__ import annotations

from datetime import datetime

from services.shared.sweeper import sweeper
from services.signals.logic.sweep import COMPONENT, sweep


@sweeper(COMPONENT)
def handler(now: datetime) -> dict[str, int]:
    return sweep(now)
