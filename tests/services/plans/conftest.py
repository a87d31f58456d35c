"""Plans service tests: the API and the consumer in-process against moto, with a user directory and a fixed clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from services.shared import clock
from tests.services.conftest import LambdaContext, Region, api_event, claims, sqs_batch

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

# username -> (groups, organisation, display name)
PEOPLE = {
    "anna": ("professional", "demo-jgz-groningen", "Anna de Vries"),
    "bram": ("professional", "demo-school-groningen", "Bram Bakker"),
    "carla": ("professional", "demo-wijkteam-groningen", "Carla Jansen"),
    "eva": ("parent", None, "Eva Ouder"),
    "piet": ("parent", None, "Piet Ouder"),
    "tim": ("youth", None, "Tim"),
    "dirk": ("matchregie,municipality", "demo-gemeente-groningen", "Dirk Dijkstra"),
}


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, Any] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return str(self.headers.get("ETag", ""))


@dataclass
class World:
    region: Region
    users: dict[str, str] = field(default_factory=dict)

    def call(self, who: str, method: str, path: str, body: Any = None, *, if_match: Any = None) -> Reply:
        from services.plans.handlers.api import handler

        groups, organisation, name = PEOPLE[who]
        extra = {"custom:organization": organisation} if organisation else {}
        who_claims = claims(
            sub=self.users[who], **{"cognito:username": who, "cognito:groups": groups, **extra}, name=name
        )
        if not organisation:
            who_claims.pop("custom:organization", None)
        headers = {"If-Match": str(if_match)} if if_match is not None else {}
        response = handler(api_event(method, path, body=body, claims_=who_claims, headers=headers), LambdaContext())
        text = response.get("body")
        headers_out = {
            k: v[0] if isinstance(v, list) else v for k, v in (response.get("multiValueHeaders") or {}).items()
        }
        headers_out.update(response.get("headers") or {})
        return Reply(response["statusCode"], json.loads(text) if text else None, headers_out)

    def deliver(self, *events: Any) -> dict[str, Any]:
        from services.plans.handlers.coordinator_assigned import handler

        return handler(sqs_batch(*events, queue="plans-coordinator-assigned"), LambdaContext())

    def items(self, entity: str) -> list[dict[str, Any]]:
        rows = self.region.client("dynamodb").scan(TableName=self.region.tables["plans.main"])["Items"]
        return [r for r in rows if r.get("entity", {}).get("S") == entity]

    def published(self, event_type: str) -> list[dict[str, Any]]:
        envelopes = [json.loads(i["envelope"]["S"]) for i in self.items("outbox")]
        return [e for e in envelopes if e["metadata"]["event_type"] == event_type]


@pytest.fixture
def fixed_clock() -> Iterator[clock.FixedClock]:
    fixed = clock.FixedClock(START)
    previous = clock.set_clock(fixed)
    yield fixed
    clock.set_clock(previous)


@pytest.fixture
def world(region: Region, fixed_clock: clock.FixedClock, monkeypatch: pytest.MonkeyPatch) -> World:
    from services.shared.settings import reset_settings

    cognito = region.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="test-users")["UserPool"]["Id"]
    users = {}
    for username, (_, _, name) in PEOPLE.items():
        cognito.admin_create_user(
            UserPoolId=pool_id, Username=username, UserAttributes=[{"Name": "name", "Value": name}],
            MessageAction="SUPPRESS",
        )  # fmt: skip
        attributes = cognito.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"]
        users[username] = next(a["Value"] for a in attributes if a["Name"] == "sub")
    monkeypatch.setenv("JK_USER_POOL_ID", pool_id)
    reset_settings()
    return World(region=region, users=users)
