"""The ticker: runs every sweeper on a schedule (moto has no schedules) and once right after time travel.

Each run hands the sweeper an EventBridge ``Scheduled Event``, timed by the host's (travelled) clock.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from infra.local.functions import LocalFunction

log = logging.getLogger("infra.local.ticker")

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
MAX_TRAVEL = timedelta(days=366 * 30)


def parse_advance(value: Any) -> timedelta:
    """How far to travel: an ISO 8601 duration (``PT2H``, ``P10D``, ``P1W``) or a number of seconds.

    Years and months are refused (their length depends on the date). ``ValueError`` for anything else,
    including travelling backwards.
    """
    if isinstance(value, bool):
        raise ValueError("advance must be an ISO 8601 duration such as 'PT2H' or a number of seconds")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):  # NaN, infinity
            raise ValueError("advance must be a finite number of seconds")
        if value < 0:
            raise ValueError("time travel goes forward only")
        delta = timedelta(seconds=value)
    elif isinstance(value, str):
        text = value.strip().upper()
        match = _DURATION.match(text)
        parts = {k: float(v) for k, v in match.groupdict().items() if v} if match else {}
        if not parts or text.endswith("T"):
            raise ValueError(f"{value[:40]!r} is not an ISO 8601 duration of weeks, days, hours, minutes, seconds")
        delta = timedelta(**parts)
    else:
        raise ValueError("advance must be an ISO 8601 duration such as 'PT2H' or a number of seconds")
    if delta > MAX_TRAVEL:
        raise ValueError("time travel is limited to 30 years at a time")
    return delta


def scheduled_event(*, rule_arn: str, account: str, aws_region: str, at: datetime) -> dict[str, Any]:
    """The event a schedule rule delivers to its target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": aws_region,
        "resources": [rule_arn],
        "detail": {},
    }


class Ticker:
    def __init__(
        self,
        sweepers: list[LocalFunction],
        *,
        interval_seconds: float,
        now: Callable[[], datetime],
        account: str,
        aws_region: str,
    ) -> None:
        self._sweepers = sweepers
        self._interval = interval_seconds
        self._now = now
        self._account = account
        self._aws_region = aws_region
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)

    def run_once(self) -> dict[str, Any]:
        """Run every sweeper once; returns what each reported (or the error it raised)."""
        results: dict[str, Any] = {}
        for sweeper in self._sweepers:
            rule_arn = f"arn:aws:events:{self._aws_region}:{self._account}:rule/{sweeper.name}"
            event = scheduled_event(
                rule_arn=rule_arn, account=self._account, aws_region=self._aws_region, at=self._now()
            )
            try:
                results[sweeper.name] = sweeper.invoke(event)
            except Exception as error:  # a failing sweeper must not stop the others (nor the ticker)
                log.exception("sweeper %s failed", sweeper.name)
                results[sweeper.name] = {"error": type(error).__name__}
        return results

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.run_once()

    def start(self) -> None:
        if self._sweepers:
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.signal_stop()
        self.join(timeout)

    def signal_stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)
