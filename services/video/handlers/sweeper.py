"""Sweeper: the 24/7 queue (every minute): offers that ran out, waiting contacts, service levels, queue metrics."""

from __future__ import annotations

from datetime import datetime

from services.shared.sweeper import sweeper


@sweeper("video-queue")
def handler(now: datetime) -> dict[str, int]:
    from services.video.logic.sweep import sweep

    return sweep(now)
