"""What a service is made of, declared once and read by both hosts (the CDK stack and the local host).

A manifest names handlers by dotted path (``services.signals.handlers.api.handler``) so that reading it
imports no handler code. The types are frozen dataclasses checked on construction rather than pydantic
models: every API function imports its manifest, and building pydantic schemas would cost each cold
start ~30 ms (see bench/cold_import.py).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pynamodb.models import Model

from services.shared.events import EventData, pattern_for

_HANDLER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_SERVICE = re.compile(r"^[a-z][a-z0-9]{1,20}$")
_PREFIX = re.compile(r"^/[a-z][a-z0-9-]*$")

RELAY_HANDLER = "services.shared.relay.handler"
SERVICES = ("signals", "plans", "video", "notifications")


class ManifestError(ValueError):
    """A manifest that cannot be deployed as written."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ManifestError(message)


def _check_name(value: str, what: str) -> None:
    _require(bool(_NAME.match(value)), f"{what} {value!r} must be lower-case letters, digits and dashes")


def _check_handler(value: str) -> None:
    _require(
        bool(_HANDLER.match(value)), f"handler {value!r} is not a dotted path like 'services.x.handlers.api.handler'"
    )


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: Literal["S", "N", "B"]


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None
    projection: Literal["ALL", "KEYS_ONLY"] = "ALL"


@dataclass(frozen=True)
class TableDefinition:
    """A table as both hosts create it: keys, global indexes, TTL attribute, stream."""

    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    global_indexes: tuple[GlobalIndex, ...] = ()
    ttl_attribute: str | None = None
    stream: bool = True


@dataclass(frozen=True)
class TableSpec:
    """One of a service's tables, described by its pynamodb base model (settings key '<service>.<name>')."""

    name: str
    model: type[Model]
    stream: bool = True  # feeds the outbox relay

    def __post_init__(self) -> None:
        _check_name(self.name, "table name")
        _require(
            isinstance(self.model, type) and issubclass(self.model, Model), f"{self.model!r} is not a pynamodb model"
        )

    def definition(self) -> TableDefinition:
        schema = self.model._get_schema()
        types = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}

        def key(key_schema: Any, kind: str) -> KeyAttribute | None:
            names = [k["AttributeName"] for k in key_schema if k["KeyType"] == kind]
            return KeyAttribute(name=names[0], type=types[names[0]]) if names else None  # type: ignore[arg-type]

        partition = key(schema["key_schema"], "HASH")
        _require(partition is not None, f"{self.model.__name__} has no hash key")
        indexes = []
        for index in schema["global_secondary_indexes"]:
            index_partition = key(index["key_schema"], "HASH")
            assert index_partition is not None
            indexes.append(
                GlobalIndex(
                    name=index["index_name"],
                    partition_key=index_partition,
                    sort_key=key(index["key_schema"], "RANGE"),
                    projection=index.get("projection", {}).get("ProjectionType", "ALL"),  # type: ignore[arg-type]
                )
            )
        ttl = self.model._ttl_attribute()
        return TableDefinition(
            name=self.name,
            partition_key=partition,  # type: ignore[arg-type]
            sort_key=key(schema["key_schema"], "RANGE"),
            global_indexes=tuple(indexes),
            ttl_attribute=ttl.attr_name if ttl is not None else None,
            stream=self.stream,
        )


class EventBusName(StrEnum):
    REGION = "region"  # the region's own bus: events of our services
    DEFAULT = "default"  # the account's default bus: AWS service events (e.g. Chime SDK meetings)


@dataclass(frozen=True)
class Subscription:
    """A rule on a bus -> its own SQS queue (+DLQ) -> a consumer function."""

    name: str
    handler: str
    events: tuple[type[EventData], ...] = ()
    pattern: dict[str, Any] | None = None  # for events not of our own contracts
    bus: EventBusName = EventBusName.REGION
    batch_size: int = 10

    def __post_init__(self) -> None:
        _check_name(self.name, "subscription name")
        _check_handler(self.handler)
        _require(bool(self.events) != bool(self.pattern), "a subscription names either event types or a raw pattern")
        _require(1 <= self.batch_size <= 10, "batch_size must be between 1 and 10")

    def event_pattern(self) -> dict[str, Any]:
        return pattern_for(*self.events) if self.events else dict(self.pattern or {})


@dataclass(frozen=True)
class Schedule:
    """A schedule rule that runs a sweeper function every ``rate_minutes``."""

    name: str
    handler: str
    rate_minutes: int

    def __post_init__(self) -> None:
        _check_name(self.name, "schedule name")
        _check_handler(self.handler)
        _require(1 <= self.rate_minutes <= 1440, "rate_minutes must be between 1 and 1440")


class FunctionKind(StrEnum):
    API = "api"
    RELAY = "relay"
    CONSUMER = "consumer"
    SWEEPER = "sweeper"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    kind: FunctionKind
    handler: str
    table: str | None = None  # the table whose stream feeds a relay
    subscription: Subscription | None = None
    schedule: Schedule | None = None


@dataclass(frozen=True)
class ServiceAbout:
    """What a service's API function needs to know of its service (name, version, prefix, tables): kept apart
    from the manifest, whose subscriptions and contracts import every event model the service touches, so an
    API cold start does not build them (bench/cold_import.py)."""

    name: str
    version: str
    description: str
    api_prefix: str
    api_handler: str
    tables: tuple[TableSpec, ...]


@dataclass(frozen=True)
class ServiceManifest:
    name: str
    version: str
    description: str
    api_prefix: str
    api_handler: str
    tables: tuple[TableSpec, ...]
    subscriptions: tuple[Subscription, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    publishes: tuple[type[EventData], ...] = field(default=())

    def __post_init__(self) -> None:
        _require(bool(_SERVICE.match(self.name)), f"service name {self.name!r} must be short lower-case letters")
        _require(bool(_PREFIX.match(self.api_prefix)), f"api_prefix {self.api_prefix!r} must look like '/signals'")
        _require(bool(self.tables), "a service owns at least one table")
        handlers = [self.api_handler, *(s.handler for s in self.subscriptions), *(s.handler for s in self.schedules)]
        for handler in handlers:
            _check_handler(handler)
            inside = handler.startswith((f"services.{self.name}.", "tests."))
            _require(inside, f"{handler!r} is not inside services/{self.name}")
        for event in self.publishes:
            _require(
                event.producer == self.name, f"{event.__name__} is produced by {event.producer!r}, not {self.name!r}"
            )
        names = [s.name for s in self.subscriptions] + [s.name for s in self.schedules]
        _require(len(set(names)) == len(names), "subscription and schedule names must be unique within a service")
        table_names = [t.name for t in self.tables]
        _require(len(set(table_names)) == len(table_names), "table names must be unique within a service")

    @classmethod
    def of(
        cls,
        about: ServiceAbout,
        *,
        subscriptions: tuple[Subscription, ...] = (),
        schedules: tuple[Schedule, ...] = (),
        publishes: tuple[type[EventData], ...] = (),
    ) -> ServiceManifest:
        return cls(
            name=about.name,
            version=about.version,
            description=about.description,
            api_prefix=about.api_prefix,
            api_handler=about.api_handler,
            tables=about.tables,
            subscriptions=subscriptions,
            schedules=schedules,
            publishes=publishes,
        )

    @property
    def package(self) -> str:
        """The top-level package the service's code lives in (its bundle holds only this and the kernel)."""
        return self.api_handler.rsplit(".handlers.", 1)[0]

    def functions(self) -> list[FunctionSpec]:
        """Every function of the service, named the same way on both hosts."""
        specs = [FunctionSpec(name=f"{self.name}-api", kind=FunctionKind.API, handler=self.api_handler)]
        specs += [
            FunctionSpec(
                name=f"{self.name}-relay-{t.name}", kind=FunctionKind.RELAY, handler=RELAY_HANDLER, table=t.name
            )
            for t in self.tables
            if t.stream
        ]
        specs += [
            FunctionSpec(name=f"{self.name}-{s.name}", kind=FunctionKind.CONSUMER, handler=s.handler, subscription=s)
            for s in self.subscriptions
        ]
        specs += [
            FunctionSpec(name=f"{self.name}-{s.name}", kind=FunctionKind.SWEEPER, handler=s.handler, schedule=s)
            for s in self.schedules
        ]
        return specs


def load_manifests(extra: tuple[str, ...] = ()) -> list[ServiceManifest]:
    """The manifests of the four services, plus any named by dotted module path (the test probe)."""
    modules = [f"services.{name}.manifest" for name in SERVICES] + list(extra)
    return [importlib.import_module(m).MANIFEST for m in modules]
