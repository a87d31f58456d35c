"""The AWS emulator: moto's threaded server on 127.0.0.1, quiet, and with Cognito following the host's clock."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from infra.local.errors import LocalHostError

ITERATOR_LIFETIME_SECONDS = 15 * 60  # a DynamoDB Streams shard iterator expires 15 minutes after it is issued


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


def dynamodb_transactions_keep_streams() -> Callable[[], None]:
    """Make a cancelled ``TransactWriteItems`` leave no trace on the table's stream; returns the undo.

    moto 5.2.5 applies a transaction's writes one by one and, when one is cancelled, puts back deep copies
    of the tables as they were. Their streams suffer twice: the records of the writes that were undone
    stay on the old shard (a stream reader relays an event for a change that never happened), and later
    writes go to the copy's shard, which no existing shard iterator reads (the stream goes silent).
    Here the copies keep the original shard, cut back to the records it held before; writes and stream
    reads take one lock, so no reader sees a transaction half-way.

    moto also keeps every shard iterator it ever issued; like AWS, they expire here after 15 minutes.
    """
    import functools
    import threading

    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    lock = threading.RLock()
    originals: dict[tuple[type, str], Any] = {}

    def locked(cls: type, name: str) -> None:
        original = originals[(cls, name)] = getattr(cls, name)

        @functools.wraps(original)
        def call(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(*args, **kwargs)

        setattr(cls, name, call)

    for name in ("put_item", "update_item", "delete_item"):
        locked(DynamoDBBackend, name)

    issued: dict[str, float] = {}  # iterator -> when it was issued, oldest first

    def expire(backend: Any, arn: str) -> None:
        issued[arn] = time.monotonic()
        while issued:
            oldest, at = next(iter(issued.items()))
            if time.monotonic() - at < ITERATOR_LIFETIME_SECONDS:
                break
            del issued[oldest]
            backend.shard_iterators.pop(oldest, None)

    get_iterator = originals[(DynamoDBStreamsBackend, "get_shard_iterator")] = DynamoDBStreamsBackend.get_shard_iterator
    get_records = originals[(DynamoDBStreamsBackend, "get_records")] = DynamoDBStreamsBackend.get_records

    @functools.wraps(get_iterator)
    def get_shard_iterator(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            iterator = get_iterator(self, *args, **kwargs)
            expire(self, iterator.arn)
            return iterator

    @functools.wraps(get_records)
    def get_records_locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            page = get_records(self, *args, **kwargs)
            expire(self, page["NextShardIterator"])
            return page

    DynamoDBStreamsBackend.get_shard_iterator = get_shard_iterator  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_records = get_records_locked  # type: ignore[method-assign]

    transact = originals[(DynamoDBBackend, "transact_write_items")] = DynamoDBBackend.transact_write_items

    @functools.wraps(transact)
    def transact_write_items(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            shards = {
                name: (table, table.stream_shard, len(table.stream_shard.items))
                for name, table in self.tables.items()
                if table.stream_shard is not None
            }
            try:
                return transact(self, *args, **kwargs)
            except Exception:
                for name, (table, shard, length) in shards.items():
                    restored = self.tables.get(name)
                    if restored is not None and restored is not table:
                        del shard.items[length:]
                        shard.table = restored
                        restored.stream_shard = shard
                raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]

    def undo() -> None:
        for (cls, name), original in originals.items():
            setattr(cls, name, original)

    return undo
