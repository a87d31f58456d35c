"""The probe sweeper: counts its runs and remembers the time it was given (to see the ticker and time travel)."""

from __future__ import annotations

from datetime import datetime

from services.shared.sweeper import sweeper
from tests.probe import logic


@sweeper("probe-count-sweeps")
def handler(now: datetime) -> dict[str, int]:
    return {"runs": logic.record_sweep(now)}
