"""What a service is made of, declared once and read by both hosts (the CDK stack and the local host).

A manifest names handlers by dotted path (``services.signals.handlers.api.handler``) so that reading it
imports no handler code.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pynamodb.models import Model

from services.shared.events import EventData, pattern_for

_HANDLER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}$")

RELAY_HANDLER = "services.shared.relay.handler"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _check_handler(value: str) -> str:
    if not _HANDLER.match(value):
        raise ValueError(f"handler {value!r} is not a dotted path like 'services.x.handlers.api.handler'")
    return value


class KeyAttribute(_Frozen):
    name: str
    type: Literal["S", "N", "B"]


class GlobalIndex(_Frozen):
    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None
    projection: Literal["ALL", "KEYS_ONLY"] = "ALL"


class TableDefinition(_Frozen):
    """A table as both hosts create it: keys, global indexes, TTL attribute, stream."""

    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    global_indexes: tuple[GlobalIndex, ...] = ()
    ttl_attribute: str | None = None
    stream: bool = True


class TableSpec(_Frozen):
    """One of a service's tables, described by its pynamodb base model."""

    name: str = Field(pattern=_NAME.pattern, description="logical name; settings key '<service>.<name>'")
    model: type[Model]
    stream: bool = Field(default=True, description="feeds the outbox relay")

    def definition(self) -> TableDefinition:
        schema = self.model._get_schema()
        types = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}

        def key(key_schema: list[dict[str, str]], kind: str) -> KeyAttribute | None:
            names = [k["AttributeName"] for k in key_schema if k["KeyType"] == kind]
            return KeyAttribute(name=names[0], type=types[names[0]]) if names else None  # type: ignore[arg-type]

        partition = key(schema["key_schema"], "HASH")
        assert partition is not None, f"{self.model.__name__} has no hash key"
        indexes = tuple(
            GlobalIndex(
                name=index["index_name"],
                partition_key=key(index["key_schema"], "HASH"),  # type: ignore[arg-type]
                sort_key=key(index["key_schema"], "RANGE"),
                projection=index.get("projection", {}).get("ProjectionType", "ALL"),
            )
            for index in schema["global_secondary_indexes"]
        )
        ttl = self.model._ttl_attribute()
        return TableDefinition(
            name=self.name,
            partition_key=partition,
            sort_key=key(schema["key_schema"], "RANGE"),
            global_indexes=indexes,
            ttl_attribute=ttl.attr_name if ttl is not None else None,
            stream=self.stream,
        )


class EventBusName(StrEnum):
    REGION = "region"  # the region's own bus: events of our services
    DEFAULT = "default"  # the account's default bus: AWS service events (e.g. Chime SDK meetings)


class Subscription(_Frozen):
    """A rule on a bus -> its own SQS queue (+DLQ) -> a consumer function."""

    name: str = Field(pattern=_NAME.pattern)
    handler: str
    events: tuple[type[EventData], ...] = ()
    pattern: dict[str, Any] | None = Field(default=None, description="for events not of our own contracts")
    bus: EventBusName = EventBusName.REGION
    batch_size: int = Field(default=10, ge=1, le=10)

    _handler = field_validator("handler")(_check_handler)

    @model_validator(mode="after")
    def _one_kind_of_pattern(self) -> Subscription:
        if bool(self.events) == bool(self.pattern):
            raise ValueError("a subscription names either event types or a raw pattern")
        return self

    def event_pattern(self) -> dict[str, Any]:
        return pattern_for(*self.events) if self.events else dict(self.pattern or {})


class Schedule(_Frozen):
    """A schedule rule that runs a sweeper function every ``rate_minutes``."""

    name: str = Field(pattern=_NAME.pattern)
    handler: str
    rate_minutes: int = Field(ge=1, le=1440)

    _handler = field_validator("handler")(_check_handler)


class FunctionKind(StrEnum):
    API = "api"
    RELAY = "relay"
    CONSUMER = "consumer"
    SWEEPER = "sweeper"


class FunctionSpec(_Frozen):
    name: str
    kind: FunctionKind
    handler: str
    table: str | None = Field(default=None, description="the table whose stream feeds a relay")
    subscription: Subscription | None = None
    schedule: Schedule | None = None


class ServiceManifest(_Frozen):
    name: str = Field(pattern=r"^[a-z][a-z0-9]{1,20}$")
    version: str
    description: str
    api_prefix: str = Field(pattern=r"^/[a-z][a-z0-9-]*$")
    api_handler: str
    tables: tuple[TableSpec, ...]
    subscriptions: tuple[Subscription, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    publishes: tuple[type[EventData], ...] = ()

    _handler = field_validator("api_handler")(_check_handler)

    @model_validator(mode="after")
    def _consistent(self) -> ServiceManifest:
        for handler in [
            self.api_handler,
            *(s.handler for s in self.subscriptions),
            *(s.handler for s in self.schedules),
        ]:
            if not (handler.startswith(f"services.{self.name}.") or handler == RELAY_HANDLER):
                if not handler.startswith("tests."):
                    raise ValueError(f"{handler!r} is not inside services/{self.name}")
        for event in self.publishes:
            if event.producer != self.name:
                raise ValueError(f"{event.__name__} is produced by {event.producer!r}, not {self.name!r}")
        names = [s.name for s in self.subscriptions] + [s.name for s in self.schedules]
        if len(set(names)) != len(names):
            raise ValueError("subscription and schedule names must be unique within a service")
        return self

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


SERVICES = ("signals", "plans", "video", "notifications")


def load_manifests(extra: tuple[str, ...] = ()) -> list[ServiceManifest]:
    """The manifests of the four services, plus any named by dotted module path (the test probe)."""
    import importlib

    modules = [f"services.{name}.manifest" for name in SERVICES] + list(extra)
    return [importlib.import_module(m).MANIFEST for m in modules]
