"""Lambda functions, in-process: a handler by dotted path, a Lambda context, one invocation at a time.

Each function behaves like a single warm Lambda container: its module is imported on first use and its
invocations never overlap (a lock per function). Every event handed to a handler can be recorded (JSON
lines), which is how the e2e tests check the shapes the host produces against Powertools' parser models.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.shared.manifest import FunctionKind, FunctionSpec

TIMEOUT_SECONDS = {FunctionKind.API: 29, FunctionKind.RELAY: 60, FunctionKind.CONSUMER: 60, FunctionKind.SWEEPER: 300}
MEMORY_MB = 512


class Recorder:
    """Appends ``{"function", "kind", "event"}`` per invocation to a JSON-lines file (or calls ``listener``)."""

    def __init__(self, path: Path | None = None, listener: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._path = path
        self._listener = listener
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")

    def record(self, function: str, kind: str, event: dict[str, Any]) -> None:
        if self._path is None and self._listener is None:
            return
        entry = {"function": function, "kind": kind, "event": event}
        with self._lock:
            if self._listener is not None:
                self._listener(entry)
            if self._path is not None:
                with self._path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(entry, default=str) + "\n")


@dataclass
class LambdaContext:
    """The attributes and method of Lambda's context object that handlers and Powertools use."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline_epoch_ms: int
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_epoch_ms - int(time.time() * 1000))


def load_handler(dotted: str) -> Callable[[dict[str, Any], Any], Any]:
    module_name, _, attribute = dotted.rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    if not callable(handler):
        raise TypeError(f"{dotted} is not callable")
    return handler


# Imported by handlers on first use (lazily, to keep Lambda cold starts short). In one process with threads
# they must be imported before the threads start: two threads entering Powertools' circular imports from
# different ends get a partially initialised module (ImportError), as a first POST /signals racing the
# first notifications batch did.
LAZY_IMPORTS = (
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.parameters",
    "aws_lambda_powertools.utilities.parameters.exceptions",
    "jinja2",
)


def preload(functions: Iterable[LocalFunction]) -> None:
    """What Lambda's init phase does for each function, for all of them, in the calling thread: load the
    handlers, every module of the services (the use cases they import per route) and the lazy imports."""
    import pkgutil

    import services

    for function in functions:
        function.load()
    for module in pkgutil.walk_packages(services.__path__, "services."):
        importlib.import_module(module.name)
    for name in LAZY_IMPORTS:
        importlib.import_module(name)


class LocalFunction:
    """One function of a manifest, invoked in-process."""

    def __init__(self, spec: FunctionSpec, *, name: str, aws_region: str, account: str, recorder: Recorder) -> None:
        self.spec = spec
        self.name = name
        self.arn = f"arn:aws:lambda:{aws_region}:{account}:function:{name}"
        self.timeout_seconds = TIMEOUT_SECONDS[spec.kind]
        self._recorder = recorder
        self._lock = threading.Lock()
        self._handler: Callable[[dict[str, Any], Any], Any] | None = None

    def _context(self) -> LambdaContext:
        return LambdaContext(
            function_name=self.name,
            invoked_function_arn=self.arn,
            memory_limit_in_mb=MEMORY_MB,
            aws_request_id=str(uuid.uuid4()),
            log_group_name=f"/aws/lambda/{self.name}",
            log_stream_name=f"local/[$LATEST]{uuid.uuid4().hex}",
            deadline_epoch_ms=int(time.time() * 1000) + self.timeout_seconds * 1000,
        )

    def load(self) -> None:
        with self._lock:
            if self._handler is None:
                self._handler = load_handler(self.spec.handler)

    def invoke(self, event: dict[str, Any]) -> Any:
        """Call the handler with ``event``; exceptions propagate (the caller decides what a failure means)."""
        self.load()
        with self._lock:
            assert self._handler is not None
            self._recorder.record(self.name, self.spec.kind.value, event)
            return self._handler(event, self._context())
