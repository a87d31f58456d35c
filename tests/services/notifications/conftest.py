"""Notifications service tests: handlers in-process against moto, with a user directory and a fixed clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from services.shared import clock
from tests.services.conftest import LambdaContext, Region, api_event, claims, sqs_batch

START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Amsterdam
MATCHREGIE_GM0014 = "matchregie.groningen@demo.jeugdketen.nl"  # infra/regions/groningen.yaml

# username -> (e-mail, phone); "rejected" has an address SES refuses (no domain).
PEOPLE = {
    "anna": ("anna@demo.jeugdketen.nl", "+31600000001"),
    "bram": ("bram@demo.jeugdketen.nl", "+31600000002"),
    "carla": ("carla@demo.jeugdketen.nl", "+31600000003"),
    "dirk": (MATCHREGIE_GM0014, "+31600000004"),
    "rejected": ("nobody-at-nowhere", "+31600000005"),
}


@dataclass
class Reply:
    status: int
    body: Any


@dataclass
class World:
    region: Region
    users: dict[str, str] = field(default_factory=dict)  # username -> user id (Cognito sub)
    pool_id: str = ""

    # -- the API -----------------------------------------------------------------------------------------------
    def call(self, who: str, method: str, path: str, body: Any = None, *, raw_body: str | None = None) -> Reply:
        from services.notifications.handlers.api import handler

        who_claims = claims(sub=self.users[who], **{"cognito:username": who}, email=PEOPLE[who][0])
        base, _, query = path.partition("?")
        event = api_event(method, base, body=body, claims_=who_claims, raw_body=raw_body)
        if query:
            pairs = [pair.split("=", 1) for pair in query.split("&")]
            event["queryStringParameters"] = {k: v for k, v in pairs}
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in pairs}
        response = handler(event, LambdaContext())
        text = response.get("body")
        return Reply(response["statusCode"], json.loads(text) if text else None)

    # -- the consumer and the sweeper ------------------------------------------------------------------------
    def deliver(self, *events: Any, receive_count: int = 1) -> dict[str, Any]:
        from services.notifications.handlers.deliver import handler

        return handler(sqs_batch(*events, receive_count=receive_count, queue="notifications-deliver"), LambdaContext())

    def sweep(self) -> dict[str, int]:
        from services.notifications.handlers.sweeper import handler

        return handler({"source": "aws.events", "detail-type": "Scheduled Event"}, LambdaContext())

    # -- what moto saw -----------------------------------------------------------------------------------------
    def emails(self) -> list[Any]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        return list(ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages)

    def emails_to(self, who: str) -> list[Any]:
        return [m for m in self.emails() if PEOPLE[who][0] in m.destinations.get("ToAddresses", [])]

    def sms(self) -> list[tuple[str, str]]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

        return list(sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sms_messages.values())

    def sms_to(self, who: str) -> list[str]:
        return [text for phone, text in self.sms() if phone == PEOPLE[who][1]]

    def items(self, entity: str) -> list[dict[str, Any]]:
        rows = self.region.client("dynamodb").scan(TableName=self.region.tables["notifications.main"])["Items"]
        return [r for r in rows if r.get("entity", {}).get("S") == entity]

    def inbox_of(self, who: str) -> list[dict[str, Any]]:
        return [i for i in self.items("inbox") if i["pk"]["S"] == f"USER#{self.users[who]}"]

    def deliveries(self, status: str | None = None) -> list[dict[str, Any]]:
        return [d for d in self.items("delivery") if status is None or d["status"]["S"] == status]

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
    from services.shared.aws import reset_clients
    from services.shared.settings import reset_settings

    cognito = region.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="test-users")["UserPool"]["Id"]
    users = {}
    for username, (email, phone) in PEOPLE.items():
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "phone_number", "Value": phone}],
            MessageAction="SUPPRESS",
        )
        attributes = cognito.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"]
        users[username] = next(a["Value"] for a in attributes if a["Name"] == "sub")
    region.client("sesv2").create_email_identity(EmailIdentity=region.config.notifications.email_from)
    sns = region.client("sns")
    apps = {
        "apns": sns.create_platform_application(Name="test-apns", Platform="APNS", Attributes={})[
            "PlatformApplicationArn"
        ],
        "fcm": sns.create_platform_application(Name="test-fcm", Platform="GCM", Attributes={})[
            "PlatformApplicationArn"
        ],
    }
    monkeypatch.setenv("JK_USER_POOL_ID", pool_id)
    monkeypatch.setenv("JK_PUSH_APPLICATIONS", json.dumps(apps))
    reset_settings()
    reset_clients()
    return World(region=region, users=users, pool_id=pool_id)
