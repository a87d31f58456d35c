"""The local host, composed: moto, the provisioned region, demo users, gateway, pollers and ticker.

::

    with LocalHost(HostOptions(region="groningen", api_port=0, moto_port=0)) as host:
        print(host.info.api_url)

The host sets the process environment the functions read (``AWS_ENDPOINT_URL``, dummy credentials, the
``JK_*`` settings) and installs a travelling clock; ``stop()`` puts all of it back. moto keeps its state in
module globals, so a process runs at most one host at a time.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from infra.local.errors import LocalHostError
from infra.local.functions import LocalFunction, Recorder, preload
from infra.local.gateway import Gateway, GatewayConfig, new_api_id
from infra.local.moto_server import (
    MotoServer,
    check_port_free,
    cognito_follows_clock,
    dynamodb_transactions_keep_streams,
)
from infra.local.pollers import QueuePoller, StreamPoller
from infra.local.provision import Names, Provisioned, Provisioner
from infra.local.seed import DEMO_PASSWORD, demo_users, seed_plan, seed_signals, seed_users
from infra.local.ticker import Ticker
from infra.local.tokens import CognitoSignIn, CognitoVerifier, moto_issuer
from services.shared.manifest import FunctionKind, ServiceManifest, load_manifests

log = logging.getLogger("infra.local")

_ENV_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")
_running: LocalHost | None = None
_running_lock = threading.Lock()


@dataclass(frozen=True)
class HostOptions:
    region: str = "groningen"
    api_port: int = 3000
    moto_port: int = 4566
    tick_seconds: float = 60.0
    extra_manifests: tuple[str, ...] = ()
    visibility_timeout: int = 2  # seconds before a failed message comes back (short, so redelivery is quick)
    record_path: Path | None = None  # JSON lines of every event handed to a handler
    host: str = "127.0.0.1"


@dataclass(frozen=True)
class HostInfo:
    """Where everything is; printed as the ready block and written as JSON for tools and tests."""

    region: str
    display_name: str
    aws_region: str
    account: str
    api_url: str
    moto_url: str
    user_pool_id: str
    client_id: str
    event_bus: str
    tables: dict[str, str]
    users: list[dict[str, Any]]
    queues: dict[str, dict[str, str]]
    relay_failure_queues: dict[str, str]
    sweepers: list[str]
    email_from: str = ""
    sender_identity: str = ""
    push_applications: dict[str, str] = field(default_factory=dict)
    password: str = DEMO_PASSWORD
    started_in_seconds: float = 0.0
    extra_manifests: list[str] = field(default_factory=list)

    @property
    def docs_url(self) -> str:
        return f"{self.api_url}/docs"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


class _Clients:
    """boto3 clients bound to moto, from one session (a session per client costs ~150 ms each)."""

    def __init__(self, endpoint: str, aws_region: str) -> None:
        import boto3

        self._session = boto3.session.Session()
        self._endpoint = endpoint
        self._aws_region = aws_region
        self._lock = threading.RLock()  # a session is not thread-safe; the clients it makes are
        self._shared: dict[str, Any] = {}

    def __call__(self, name: str) -> Any:
        """A client shared by the host's own calls."""
        with self._lock:
            if name not in self._shared:
                self._shared[name] = self.dedicated(name)
            return self._shared[name]

    def dedicated(self, name: str) -> Any:
        """A client of its own, for a poller (its long polls then never wait for another's connection)."""
        from botocore.config import Config

        with self._lock:
            return self._session.client(
                name,
                endpoint_url=self._endpoint,
                region_name=self._aws_region,
                aws_access_key_id="local",
                aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
                config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10),
            )


def shortest_schedule_seconds(manifests: list[ServiceManifest]) -> float | None:
    """How often the most frequent sweeper runs on AWS (the video queue's: every minute); None without sweepers.

    The ticker runs every sweeper each ``tick_seconds`` (a sweep with nothing due does nothing), so the default
    tick runs each of them at least as often as its schedule on AWS, counted in host time.
    """
    rates = [schedule.rate_minutes * 60.0 for manifest in manifests for schedule in manifest.schedules]
    return min(rates) if rates else None


STOP_WAIT_SECONDS = 3.0  # Ctrl-C stops the host within this, plus moto's and the interpreter's own shutdown


class LocalHost:
    def __init__(self, options: HostOptions | None = None) -> None:
        self.options = options or HostOptions()
        self._moto = MotoServer(self.options.host, self.options.moto_port)
        self._gateway: Gateway | None = None
        self._pollers: list[QueuePoller | StreamPoller] = []
        self._ticker: Ticker | None = None
        self._saved_env: dict[str, str | None] = {}
        self._undo: list[Any] = []
        self._info: HostInfo | None = None
        self.functions: dict[str, LocalFunction] = {}

    @property
    def info(self) -> HostInfo:
        if self._info is None:
            raise RuntimeError("the local host is not running")
        return self._info

    # -- start ----------------------------------------------------------------------------------------
    def start(self) -> HostInfo:
        global _running
        with _running_lock:
            if _running is not None:
                raise LocalHostError("a local host is already running in this process (moto's state is global)")
            _running = self
        started = time.perf_counter()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self._info = self._describe(round(time.perf_counter() - started, 2))
        return self._info

    def _start(self) -> None:
        from infra.config import load_region
        from services.shared import clock
        from services.shared.clock import TravelClock

        options = self.options
        deployment = load_region(options.region)
        self.config = deployment.region
        self.aws_region = deployment.aws.region
        self.manifests: list[ServiceManifest] = load_manifests(extra=options.extra_manifests)
        if options.api_port:
            check_port_free(options.host, options.api_port, "--api-port")

        self._moto.start()
        self._undo.append(self._moto.stop)
        self._undo.append(dynamodb_transactions_keep_streams())
        moto = self._moto.url
        clients = self._clients = _Clients(moto, self.aws_region)
        self.account = clients("sts").get_caller_identity()["Account"]
        self.provisioned: Provisioned = Provisioner(
            clients,
            region=self.config.name,
            aws_region=self.aws_region,
            account=self.account,
            manifests=self.manifests,
            region_config_json=deployment.ssm_value(),
            config_parameter=deployment.config_parameter_name,
            signal_guide_json=deployment.signal_guide_ssm_value(),
            signal_guide_parameter=deployment.signal_guide_parameter_name,
            email_from=deployment.region.notifications.email_from,
            visibility_timeout=options.visibility_timeout,
        ).provision()
        self.users = demo_users(self.config)
        seed_users(clients("cognito-idp"), self.provisioned.user_pool_id, self.users)

        self._set_environment(moto)
        self.clock = TravelClock()
        previous = clock.set_clock(self.clock)
        self._undo.append(lambda: clock.set_clock(previous))
        self._undo.append(cognito_follows_clock(lambda: self.clock.now().timestamp()))
        # Through the signals and plans use cases: they need the functions' environment and the clock, so after both.
        seed_signals(clients("cognito-idp"), self.provisioned.user_pool_id, self.users, self.config)
        seed_plan(clients("cognito-idp"), self.provisioned.user_pool_id, self.users)

        recorder = Recorder(options.record_path)
        names = Names(self.config.name)
        for manifest in self.manifests:
            for spec in manifest.functions():
                self.functions[spec.name] = LocalFunction(
                    spec, name=names.function(spec), aws_region=self.aws_region, account=self.account, recorder=recorder
                )
        preload(self.functions.values())  # before any thread may call a function (see LAZY_IMPORTS)
        self._start_pollers(moto)
        self._start_ticker()
        self._start_gateway(moto)

    def _set_environment(self, moto: str) -> None:
        from services.shared.region_config import reset_region_config
        from services.shared.settings import reset_settings

        wanted: dict[str, str | None] = {
            "AWS_ENDPOINT_URL": moto,
            "AWS_REGION": self.aws_region,
            "AWS_DEFAULT_REGION": self.aws_region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            # A developer's ~/.aws must not point the functions elsewhere (profiles, per-service endpoints).
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            **dict.fromkeys(_ENV_CLEARED),
            **dict.fromkeys(k for k in os.environ if k.startswith("AWS_ENDPOINT_URL_")),
            **self.provisioned.environment(),
        }
        for key, value in wanted.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings()
        reset_region_config()
        self._undo.append(self._restore_environment)

    def _restore_environment(self) -> None:
        from services.shared.region_config import reset_region_config
        from services.shared.settings import reset_settings

        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        reset_settings()
        reset_region_config()

    def _start_pollers(self, moto: str) -> None:
        for subscribed in self.provisioned.subscriptions:
            self._pollers.append(
                QueuePoller(
                    subscribed,
                    self.functions[subscribed.function.name],
                    self._clients.dedicated("sqs"),
                    account=self.account,
                    aws_region=self.aws_region,
                )
            )
        for streamed in self.provisioned.streams:
            self._pollers.append(
                StreamPoller(
                    streamed,
                    self.functions[streamed.function.name],
                    self._clients.dedicated("dynamodbstreams"),
                    self._clients.dedicated("sqs"),
                    aws_region=self.aws_region,
                )
            )
        for poller in self._pollers:
            poller.start()

    def _start_ticker(self) -> None:
        sweepers = [f for f in self.functions.values() if f.spec.kind is FunctionKind.SWEEPER]
        shortest = shortest_schedule_seconds(self.manifests)
        if shortest is not None and self.options.tick_seconds > shortest:
            log.warning(
                "the sweepers run every %g s of host time, less often than the shortest schedule (every %g s, as on "
                "AWS): e.g. queue service levels are checked late",
                self.options.tick_seconds,
                shortest,
            )
        self._ticker = Ticker(
            sweepers,
            interval_seconds=self.options.tick_seconds,
            now=self.clock.now,
            account=self.account,
            aws_region=self.aws_region,
        )
        self._ticker.start()

    def _start_gateway(self, moto: str) -> None:
        from services.shared.openapi import merged_schema

        pool_id, client_id = self.provisioned.user_pool_id, self.provisioned.client_id
        routes = {
            m.api_prefix: self.functions[f.name]
            for m in self.manifests
            for f in m.functions()
            if f.kind is FunctionKind.API
        }
        self._gateway = Gateway(
            host=self.options.host,
            port=self.options.api_port,
            routes=routes,
            verifier=CognitoVerifier(
                jwks_url=f"{moto}/{pool_id}/.well-known/jwks.json",
                issuer=moto_issuer(self.aws_region, pool_id),
                client_id=client_id,
                now=self.clock.now,
            ),
            sign_in=CognitoSignIn(self._clients("cognito-idp"), client_id),
            now=self.clock.now,
            travel=self.travel,
            clock_state=self.clock_state,
            openapi=lambda url: merged_schema(self.manifests, server_url=url),
            config=GatewayConfig(account=self.account, aws_region=self.aws_region, api_id=new_api_id()),
        )
        self._gateway.start()

    # -- time -----------------------------------------------------------------------------------------
    def clock_state(self) -> dict[str, Any]:
        return {"now": self.clock.now().isoformat(), "offset_seconds": self.clock.offset.total_seconds()}

    def travel(self, delta: timedelta) -> dict[str, Any]:
        """Move the clock forward by ``delta`` and run every sweeper once."""
        self.clock.advance(delta)
        arrived = self.clock_state()
        log.info("travelled %s forward; now %s", delta, arrived["now"])
        return {**arrived, "sweeps": self.run_sweepers()}

    def run_sweepers(self) -> dict[str, Any]:
        return self._ticker.run_once() if self._ticker else {}

    # -- stop -----------------------------------------------------------------------------------------
    def stop(self) -> None:
        global _running
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        # Everything is told to stop first, then waited for against one deadline: a sweep and a consumer batch
        # still running finish side by side, not one after the other. A batch still busy after it is abandoned
        # (moto's state goes with the host; on AWS the messages would come back after their visibility timeout).
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        for poller in self._pollers:
            poller.signal_stop()
        if self._ticker is not None:
            self._ticker.signal_stop()
            self._ticker.join(max(0.1, deadline - time.monotonic()))
        for poller in self._pollers:
            poller.join(max(0.1, deadline - time.monotonic()))
        self._pollers.clear()
        while self._undo:
            undo = self._undo.pop()
            try:
                undo()
            except Exception:
                log.exception("stopping: %r failed", undo)
        self._info = None
        with _running_lock:
            if _running is self:
                _running = None

    def __enter__(self) -> LocalHost:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- description ----------------------------------------------------------------------------------
    def _describe(self, seconds: float) -> HostInfo:
        assert self._gateway is not None
        provisioned = self.provisioned
        return HostInfo(
            region=self.config.name,
            display_name=self.config.display_name,
            aws_region=self.aws_region,
            account=self.account,
            api_url=self._gateway.url,
            moto_url=self._moto.url,
            user_pool_id=provisioned.user_pool_id,
            client_id=provisioned.client_id,
            event_bus=provisioned.event_bus,
            tables={
                **provisioned.tables,
                "audit": provisioned.audit_table,
                "idempotency": provisioned.idempotency_table,
            },
            users=[
                {
                    "username": u.username,
                    "roles": [r.value for r in u.roles],
                    "organisation": u.organisation.id if u.organisation else None,
                    "municipality": u.municipality.code if u.municipality else None,
                    "description": u.describe(),
                }
                for u in self.users
            ],
            queues={
                s.function.name: {"url": s.queue.url, "arn": s.queue.arn, "dlq_url": s.dlq.url, "rule": s.rule}
                for s in provisioned.subscriptions
            },
            relay_failure_queues={s.function.name: s.failures.url for s in provisioned.streams},
            sweepers=[s.name for s in provisioned.sweepers],
            email_from=self.config.notifications.email_from,
            sender_identity=provisioned.sender_identity,
            push_applications=dict(provisioned.push_applications),
            started_in_seconds=seconds,
            extra_manifests=list(self.options.extra_manifests),
        )
