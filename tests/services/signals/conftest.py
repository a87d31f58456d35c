"""Signals service tests: the API handler in-process against moto, with a fixed clock and the demo people."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from services.shared import clock
from services.shared.bsn import is_valid_bsn
from tests.services.conftest import LambdaContext, Region, api_event, claims

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday

PEOPLE: dict[str, dict[str, str]] = {
    "anna": claims(),
    "bram": claims(
        sub="user-bram",
        **{"cognito:username": "bram.school", "custom:organization": "demo-school-groningen"},
        email="bram@demo.jeugdketen.nl",
        phone_number="+31600000002",
        name="Bram Bakker",
    ),
    "carla": claims(
        sub="user-carla",
        **{"cognito:username": "carla.wijkteam", "custom:organization": "demo-wijkteam-groningen"},
        email="carla@demo.jeugdketen.nl",
        phone_number="+31600000003",
        name="Carla Jansen",
    ),
    "dirk": claims(
        sub="user-dirk",
        **{
            "cognito:username": "dirk.gemeente",
            "cognito:groups": "matchregie,municipality",
            "custom:organization": "demo-gemeente-groningen",
            "custom:municipality": "GM0014",
        },
        name="Dirk Dijkstra",
    ),
    "wim": claims(
        sub="user-wim",
        **{
            "cognito:username": "wim.gemeente",
            "cognito:groups": "matchregie,municipality",
            "custom:organization": "demo-gemeente-groningen",
            "custom:municipality": "GM1966",
        },
        name="Wim de Wit",
    ),
    "hanna": claims(sub="user-hanna", **{"cognito:username": "hanna.admin", "cognito:groups": "region_admin"}),
    "eva": claims(sub="user-eva", **{"cognito:username": "eva.ouder", "cognito:groups": "parent"}, name="Eva"),
}


def bsn(n: int) -> str:
    """The n-th valid BSN from 100000000 up (test data: the 11-proef holds, the numbers are made up)."""
    candidate, found = 100000000, -1
    while True:
        candidate += 1
        if is_valid_bsn(str(candidate)):
            found += 1
            if found == n:
                return str(candidate)


@dataclass
class Reply:
    status: int
    body: Any


@dataclass
class Api:
    region: Region

    def call(
        self,
        who: str | None,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, str] | None = None,
        raw_body: str | None = None,
    ) -> Reply:
        from services.signals.handlers.api import handler

        event = api_event(method, path, body=body, claims_=PEOPLE[who] if who else None, raw_body=raw_body)
        if query:
            event["queryStringParameters"] = query
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
        response = handler(event, LambdaContext())
        return Reply(response["statusCode"], json.loads(response["body"]) if response.get("body") else None)

    def register(self, who: str, youth: str, **extra: Any) -> Reply:
        body = {"bsn": youth, "birth_date": "2015-06-01", "municipality": "GM0014", **extra}
        return self.call(who, "POST", "/signals", body)


@pytest.fixture
def fixed_clock() -> Iterator[clock.FixedClock]:
    fixed = clock.FixedClock(START)
    previous = clock.set_clock(fixed)
    yield fixed
    clock.set_clock(previous)


@pytest.fixture
def api(region: Region, fixed_clock: clock.FixedClock) -> Api:
    return Api(region)


def outbox(region: Region, event_type: str | None = None) -> list[dict[str, Any]]:
    """The events the service has committed to publish, oldest first (test-only scan)."""
    table = region.client("dynamodb")
    items = table.scan(TableName=region.tables["signals.main"])["Items"]
    events = [json.loads(i["envelope"]["S"]) for i in items if i.get("entity", {}).get("S") == "outbox"]
    events.sort(key=lambda e: e["metadata"]["occurred_at"])
    return [e for e in events if event_type is None or e["metadata"]["event_type"] == event_type]


def table_items(region: Region) -> list[dict[str, Any]]:
    return list(region.client("dynamodb").scan(TableName=region.tables["signals.main"])["Items"])
