"""Wraps every Lambda entry point: structured logs with the Lambda context, tracing on AWS, metrics flushed."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable
from typing import Any

import services
from services.shared import correlation
from services.shared.observability import logger, metrics, tracer

LambdaHandler = Callable[[dict[str, Any], Any], Any]


def resume_gc() -> None:
    """After init: freeze what the imports made (later collections skip it) and resume the collector.

    Only if ``services/__init__.py`` paused it (on Lambda); safe to call more than once.
    """
    if services.INIT_PAUSED_GC and not gc.isenabled():
        gc.freeze()
        gc.enable()


def entrypoint(component: str) -> Callable[[LambdaHandler], LambdaHandler]:
    """Decorate a handler. Powertools decorators are applied on the first call, so importing costs nothing."""

    def decorate(fn: LambdaHandler) -> LambdaHandler:
        decorated: LambdaHandler | None = None

        @functools.wraps(fn)
        def handler(event: dict[str, Any], context: Any) -> Any:
            nonlocal decorated
            if decorated is None:
                resume_gc()

                def with_component(event: dict[str, Any], context: Any) -> Any:
                    logger().append_keys(component=component)  # after clear_state, which would drop it
                    return fn(event, context)

                wrapped = logger().inject_lambda_context(with_component, clear_state=True)
                if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and os.environ.get("_X_AMZN_TRACE_ID"):
                    # never the response or the error: they hold personal data (a chat, a phone number, a join token)
                    wrapped = tracer().capture_lambda_handler(wrapped, capture_response=False, capture_error=False)
                decorated = wrapped
            correlation.clear()
            try:
                return decorated(event, context)
            finally:
                recorder = metrics()
                if recorder.metric_set:
                    recorder.flush_metrics()

        return handler

    return decorate
