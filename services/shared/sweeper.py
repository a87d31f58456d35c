"""The sweeper base: a schedule rule runs it every few minutes; it handles whatever fell due by ``now()``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.shared import clock, correlation
from services.shared.entrypoint import LambdaHandler, entrypoint
from services.shared.observability import logger


def sweeper(component: str) -> Callable[[Callable[[datetime], dict[str, int]]], LambdaHandler]:
    """Turn ``sweep(now) -> counts`` into a Lambda handler for a scheduled event."""

    def decorate(sweep: Callable[[datetime], dict[str, int]]) -> LambdaHandler:
        @entrypoint(component)
        def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
            logger().set_correlation_id(correlation.bind(None))
            counts = sweep(clock.now())
            logger().info("sweep done", extra={"counts": counts})
            return counts

        return handler

    return decorate
