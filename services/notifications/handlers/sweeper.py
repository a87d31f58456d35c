"""Sweeper: sends the messages held for quiet hours once those end (every few minutes)."""

from __future__ import annotations

from datetime import datetime

from services.shared.sweeper import sweeper


@sweeper("notifications-held")
def handler(now: datetime) -> dict[str, int]:
    from services.notifications.logic.deliver import release_held

    return release_held(now)
