"""The events the local host hands to handlers parse with Powertools' own models of Lambda's events."""

from __future__ import annotations

import hashlib
import json
import re
import uuid

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventModel,
    DynamoDBStreamModel,
    EventBridgeModel,
    SqsModel,
)

from tests.e2e.conftest import RunningHost, wait_for

pytestmark = pytest.mark.e2e
API_GATEWAY_DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$")


@pytest.fixture(scope="module")
def traffic(host: RunningHost) -> str:
    """One item through the whole path (API, relay, consumer); returns its id."""
    headers = host.auth("dirk.gemeente")
    item_id = f"shape-{uuid.uuid4().hex[:10]}"
    response = host.http.post(
        host.url("/probe/items?tag=a&tag=b&single=1"),
        json={"id": item_id},
        headers={**host.auth(), "X-Trace": "one"},
    )
    assert response.status_code == 201, response.text

    def took_effect() -> bool:
        item = host.http.get(host.url(f"/probe/items/{item_id}"), headers=headers).json()
        return bool(item.get("effects"))

    wait_for("the consumer's effect", took_effect)
    return item_id


def test_api_events_parse_as_api_gateway_proxy_events_with_string_claims(host: RunningHost, traffic: str) -> None:
    events = [e["event"] for e in host.recorded("api")]
    assert events
    for event in events:
        APIGatewayProxyEventModel.model_validate(event)
        claims = event["requestContext"]["authorizer"]["claims"]
        assert all(isinstance(v, str) for v in claims.values()), claims
        assert API_GATEWAY_DATE.match(claims["exp"]) and API_GATEWAY_DATE.match(claims["iat"])
        assert event["requestContext"]["path"] == f"/{event['requestContext']['stage']}{event['path']}"
    [created] = [e for e in events if e["httpMethod"] == "POST" and traffic in (e["body"] or "")]
    assert created["resource"] == "/probe/{proxy+}" and created["pathParameters"] == {"proxy": "items"}
    assert created["multiValueQueryStringParameters"]["tag"] == ["a", "b"]
    assert created["queryStringParameters"] == {"tag": "b", "single": "1"}
    assert created["requestContext"]["authorizer"]["claims"]["cognito:username"] == "anna.jgz"
    assert created["requestContext"]["authorizer"]["claims"]["custom:region"] == "groningen"
    dirk = [e for e in events if e["requestContext"]["authorizer"]["claims"]["cognito:username"] == "dirk.gemeente"]
    assert dirk and set(dirk[0]["requestContext"]["authorizer"]["claims"]["cognito:groups"].split(",")) == {
        "matchregie",
        "municipality",
    }


def test_consumer_events_parse_as_sqs_batches_of_eventbridge_events(host: RunningHost, traffic: str) -> None:
    entries = host.recorded("consumer")
    assert any(e["function"] == "jk-groningen-probe-count-effects" for e in entries)
    for entry in entries:  # every consumer's batches: the probe's, and e.g. notifications hearing of the demo match
        batch, queue = entry["event"], host.info["queues"][entry["function"].removeprefix("jk-groningen-")]
        parsed = SqsModel.model_validate(batch)
        for record, raw in zip(parsed.Records, batch["Records"], strict=True):
            event = EventBridgeModel.model_validate_json(raw["body"])
            assert event.account == host.info["account"]
            assert record.md5OfBody == hashlib.md5(raw["body"].encode(), usedforsecurity=False).hexdigest()
            assert record.eventSourceARN == queue["arn"]
            assert record.awsRegion == host.info["aws_region"]


def test_relay_events_parse_as_dynamodb_stream_batches_of_outbox_inserts(host: RunningHost, traffic: str) -> None:
    batches = [e["event"] for e in host.recorded("relay")]
    assert batches
    for batch in batches:
        parsed = DynamoDBStreamModel.model_validate(batch)
        for record in parsed.Records:
            image = record.dynamodb.NewImage
            assert record.eventName == "INSERT" and isinstance(image, dict) and image["entity"] == "outbox"
            assert record.awsRegion == host.info["aws_region"]
            assert record.dynamodb.StreamViewType == "NEW_IMAGE"
    assert any(traffic in json.dumps(batch) for batch in batches)


def test_the_ticker_runs_sweepers_with_scheduled_events(host: RunningHost) -> None:
    probe = "jk-groningen-probe-count-sweeps"  # every service's sweeper runs; this one is ours to look at
    runs = wait_for("a sweep", lambda: [r for r in host.recorded("sweeper") if r["function"] == probe], timeout=10)
    event = EventBridgeModel.model_validate(runs[0]["event"])
    assert event.detail_type == "Scheduled Event" and event.source == "aws.events"
    assert event.resources[0].endswith(":rule/jk-groningen-probe-count-sweeps")
    sweeps = host.http.get(host.url("/probe/sweeps"), headers=host.auth()).json()
    assert sweeps["runs"] >= 1
