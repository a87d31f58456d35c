"""The AWS emulator: moto's threaded server on 127.0.0.1, quiet, and with Cognito following the host's clock."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from infra.local.errors import LocalHostError

# moto signs every account's tokens and names every resource with this account unless told otherwise.
MOTO_ACCOUNT = "123456789012"


def check_port_free(host: str, port: int, flag: str) -> None:
    """Fail with a clear message instead of a hang: moto's server thread dies silently on a busy port."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server does
        try:
            probe.bind((host, port))
        except OSError as error:
            raise LocalHostError(
                f"port {port} on {host} is in use ({error.strerror}); is another local host running? "
                f"Choose another with {flag}."
            ) from None


class MotoServer:
    """moto's ``ThreadedMotoServer`` on ``host:port`` (0 = any free port)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 4566) -> None:
        self.host = host
        self.requested_port = port
        self._server: Any = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        check_port_free(self.host, self.requested_port, "--moto-port")
        from moto.server import ThreadedMotoServer

        # The request log of moto's werkzeug server would drown the handlers' own logs.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.requested_port, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


class _ShiftedTime:
    """Stands in for the ``time`` module inside moto's Cognito: ``time()`` follows the host's clock."""

    def __init__(self, real: ModuleType, now: Callable[[], float]) -> None:
        self._real = real
        self._now = now

    def time(self) -> float:
        return self._now()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def cognito_follows_clock(now: Callable[[], float]) -> Callable[[], None]:
    """Make moto's Cognito issue tokens at the host's (travelled) time; returns the undo.

    Without this, after travelling more than an hour forward every freshly issued token would already
    be expired, because the gateway checks ``exp`` against the travelled clock. moto's Cognito reads the
    time only through ``time.time()`` in ``moto.cognitoidp.models`` (moto 5.2.5, ``create_jwt``).
    """
    from moto.cognitoidp import models

    real = models.time
    if not isinstance(real, ModuleType) or real is not time:
        raise LocalHostError("moto.cognitoidp.models no longer reads time.time(); revisit cognito_follows_clock")
    models.time = _ShiftedTime(real, now)  # type: ignore[assignment]

    def undo() -> None:
        models.time = real

    return undo
