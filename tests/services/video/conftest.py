"""Video service tests: the API, the sweeper and the meeting-events consumer in-process against moto, with a user
directory, the local meeting provider and a fixed clock (03:00 on a Wednesday night, Dutch time)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.shared import clock
from tests.services.conftest import LambdaContext, Region, api_event, claims

NIGHT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wed 2 Dec 2026, 03:00 in Groningen: out of hours
OWN = "demo-jgz-groningen"
PARTNER = "demo-nacht-noord"

# username -> (groups, organisation, municipality)
PEOPLE = {
    "eva": ("parent", None, "GM0014"),
    "piet": ("parent", None, "GM0014"),
    "femke": ("nurse", OWN, None),
    "fleur": ("nurse", OWN, None),
    "gert": ("nurse", PARTNER, None),
    "gerda": ("nurse", PARTNER, None),
    "anna": ("professional", OWN, None),
    "hanna": ("region_admin", None, None),
    "paul": ("planner", PARTNER, None),
    "petra": ("planner", OWN, None),
}
# the region config names these in its teams (handover, leads): they carry those user names in the directory
USERNAMES = {"femke": "femke.jgz", "anna": "anna.jgz", "gert": "gert.nacht"}


def username(who: str) -> str:
    return USERNAMES.get(who, who)


@dataclass
class Reply:
    status: int
    body: Any


@dataclass
class World:
    region: Region
    clock: clock.FixedClock
    users: dict[str, str] = field(default_factory=dict)

    def call(self, who: str, method: str, path: str, body: Any = None) -> Reply:
        from services.video.handlers.api import handler

        groups, organisation, municipality = PEOPLE[who]
        who_claims = claims(
            sub=self.users[who], **{"cognito:username": username(who), "cognito:groups": groups}, name=who
        )
        who_claims.pop("custom:organization", None)
        if organisation:
            who_claims["custom:organization"] = organisation
        if municipality:
            who_claims["custom:municipality"] = municipality
        base, _, query = path.partition("?")
        event = api_event(method, base, body=body, claims_=who_claims)
        if query:
            pairs = [pair.split("=", 1) for pair in query.split("&")]
            event["queryStringParameters"] = {k: v for k, v in pairs}
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in pairs}
        response = handler(event, LambdaContext())
        text = response.get("body")
        return Reply(response["statusCode"], json.loads(text) if text else None)

    def ok(self, who: str, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        reply = self.call(who, method, path, body)
        assert reply.status == status, reply
        return reply.body

    def sweep(self) -> dict[str, int]:
        from services.video.handlers.sweeper import handler

        result: dict[str, int] = handler({"source": "aws.events"}, LambdaContext())
        return result

    def meeting_event(self, detail: dict[str, Any]) -> dict[str, Any]:
        from services.video.handlers.meeting_events import handler

        batch = {"Records": [
            {**_record_shell(), "body": json.dumps({"source": "aws.chime", "detail-type": "Chime Meeting State Change",
                                                   "detail": detail})}
        ]}  # fmt: skip
        result: dict[str, Any] = handler(batch, LambdaContext())
        return result

    def items(self, entity: str) -> list[dict[str, Any]]:
        rows = self.region.client("dynamodb").scan(TableName=self.region.tables["video.main"])["Items"]
        return [r for r in rows if r.get("entity", {}).get("S") == entity]

    def published(self, event_type: str) -> list[dict[str, Any]]:
        """The events of that type in the outbox, oldest first (events of one instant in no particular order)."""
        envelopes = [json.loads(i["envelope"]["S"]) for i in self.items("outbox")]
        envelopes.sort(key=lambda e: e["metadata"]["occurred_at"])
        return [e["data"] for e in envelopes if e["metadata"]["event_type"] == event_type]

    def audit(self, **match: str) -> list[dict[str, Any]]:
        rows = self.region.client("dynamodb").scan(TableName="test-audit")["Items"]
        return [r for r in rows if all(r.get(k, {}).get("S") == v for k, v in match.items())]

    def roster(self, organization: str, day: date, *shifts: tuple[str, datetime, datetime], who: str = "hanna") -> Any:
        every_channel = ["chat", "callback", "video"]
        listed = [
            {"nurse": username(nurse), "start": start.isoformat(), "end": end.isoformat(), "channels": every_channel}
            for nurse, start, end in shifts
        ]
        body = {"organization": organization, "date": day.isoformat(), "shifts": listed}
        return self.ok(who, "PUT", "/video/roster/shifts", body)

    def on_duty(self, *nurses: str, organization: str = PARTNER, status: str = "available", capacity: int = 3) -> None:
        """Roster the nurses from 22:00 the evening before to 08:00 (Dutch time) and make them present."""
        start = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
        self.roster(organization, date(2026, 12, 1), *((n, start, start + timedelta(hours=10)) for n in nurses))
        for nurse in nurses:
            self.ok(nurse, "PUT", "/video/presence", {"status": status, "capacity": capacity})

    def ask(self, who: str = "eva", **body: Any) -> Any:
        return self.ok(who, "POST", "/video/contacts", {"channel": "chat", "topic": "crying", **body}, status=201)

    def presence(self, who: str) -> dict[str, Any]:
        pk = f"NURSE#{self.users[who]}"
        return next(i for i in self.items("presence") if i["pk"]["S"] == pk)


def _record_shell() -> dict[str, Any]:
    return {
        "messageId": "m-chime-1", "receiptHandle": "r-chime-1", "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": "eu-central-1",
        "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:video-meeting-events",
    }  # fmt: skip


@pytest.fixture
def world(region: Region, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from services.shared.settings import reset_settings

    fixed = clock.FixedClock(NIGHT)
    previous = clock.set_clock(fixed)
    cognito = region.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName="test-users",
        Schema=[{"Name": n, "AttributeDataType": "String", "Mutable": True} for n in ("organization", "municipality")],
    )["UserPool"]["Id"]
    users = {}
    for who, (_, organisation, _) in PEOPLE.items():
        attributes = [{"Name": "custom:organization", "Value": organisation}] if organisation else []
        cognito.admin_create_user(
            UserPoolId=pool_id, Username=username(who), UserAttributes=attributes, MessageAction="SUPPRESS"
        )
        found = cognito.admin_get_user(UserPoolId=pool_id, Username=username(who))["UserAttributes"]
        users[who] = next(a["Value"] for a in found if a["Name"] == "sub")
    monkeypatch.setenv("JK_USER_POOL_ID", pool_id)
    monkeypatch.setenv("JK_MEETING_PROVIDER", "local")
    reset_settings()
    yield World(region=region, clock=fixed, users=users)
    clock.set_clock(previous)
