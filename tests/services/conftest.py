"""Service tests: handlers and kernel in-process against moto (``mock_aws``), one fresh region per test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from moto import mock_aws

from services.shared.manifest import TableDefinition, load_manifests
from services.shared.platform import AUDIT_TABLE, IDEMPOTENCY_TABLE
from services.shared.region import RegionConfig
from services.signals.models.guide import SignalGuide

REGION_FILE = Path(__file__).resolve().parents[2] / "infra" / "regions" / "groningen.yaml"
AWS_REGION = "eu-central-1"
SIGNAL_GUIDE_PARAMETER = "/jeugdketen/groningen/signal-guide"


@dataclass
class Region:
    config: RegionConfig
    tables: dict[str, str]
    bus_name: str
    hmac_key_id: str
    data_key_id: str
    signal_guide: SignalGuide

    def client(self, name: str) -> Any:
        import boto3

        return boto3.client(name, region_name=AWS_REGION)


def create_table(client: Any, name: str, definition: TableDefinition) -> None:
    attributes = {definition.partition_key.name: definition.partition_key.type}
    keys = [{"AttributeName": definition.partition_key.name, "KeyType": "HASH"}]
    if definition.sort_key:
        attributes[definition.sort_key.name] = definition.sort_key.type
        keys.append({"AttributeName": definition.sort_key.name, "KeyType": "RANGE"})
    indexes = []
    for index in definition.global_indexes:
        schema = [{"AttributeName": index.partition_key.name, "KeyType": "HASH"}]
        attributes[index.partition_key.name] = index.partition_key.type
        if index.sort_key:
            schema.append({"AttributeName": index.sort_key.name, "KeyType": "RANGE"})
            attributes[index.sort_key.name] = index.sort_key.type
        indexes.append(
            {"IndexName": index.name, "KeySchema": schema, "Projection": {"ProjectionType": index.projection}}
        )
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": v} for k, v in attributes.items()],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        kwargs["GlobalSecondaryIndexes"] = indexes
    if definition.stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    client.create_table(**kwargs)


BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": AWS_REGION,
    "AWS_REGION": AWS_REGION,
    # botocore routes DynamoDB Streams calls to account-based hosts (<account>.streams-ddb...) that
    # mock_aws does not intercept; on AWS and on the local host (AWS_ENDPOINT_URL) this does not matter.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}


def provision_region(setenv: Callable[[str, str], None]) -> Region:
    """Inside ``mock_aws``: create what the Groningen stack would, and set the environment a function gets.

    Shared by the ``region`` fixture and ``bench/signal_calls.py``.
    """
    import boto3

    from services.shared.region_config import reset_region_config
    from services.shared.settings import reset_settings

    dynamodb = boto3.client("dynamodb", region_name=AWS_REGION)
    tables = {}
    for manifest in load_manifests():
        for spec in manifest.tables:
            name = f"test-{manifest.name}-{spec.name}"
            create_table(dynamodb, name, spec.definition())
            tables[f"{manifest.name}.{spec.name}"] = name
    create_table(dynamodb, "test-audit", AUDIT_TABLE)
    create_table(dynamodb, "test-idempotency", IDEMPOTENCY_TABLE)
    kms = boto3.client("kms", region_name=AWS_REGION)
    data_key = kms.create_key(KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    hmac_key = kms.create_key(KeyUsage="GENERATE_VERIFY_MAC", KeySpec="HMAC_256")["KeyMetadata"]["KeyId"]
    bus = boto3.client("events", region_name=AWS_REGION).create_event_bus(Name="test-bus")["EventBusArn"]
    data = yaml.safe_load(REGION_FILE.read_text())
    data.pop("aws")
    guide = SignalGuide.model_validate(data.pop("signal_guide"))
    config = RegionConfig.model_validate(data)
    ssm = boto3.client("ssm", region_name=AWS_REGION)
    ssm.put_parameter(Name="/jeugdketen/groningen/config", Value=config.model_dump_json(), Type="String")
    ssm.put_parameter(
        Name=SIGNAL_GUIDE_PARAMETER,
        Value=guide.model_dump_json(exclude_defaults=True),
        Type="String",
        Tier="Advanced",
    )
    env = {
        "JK_REGION": "groningen",
        "JK_TABLES": json.dumps(tables),
        "JK_AUDIT_TABLE": "test-audit",
        "JK_IDEMPOTENCY_TABLE": "test-idempotency",
        "JK_EVENT_BUS": "test-bus",
        "JK_HMAC_KEY_ID": hmac_key,
        "JK_DATA_KEY_ID": data_key,
        "JK_CONFIG_PARAMETER": "/jeugdketen/groningen/config",
        "JK_SIGNAL_GUIDE_PARAMETER": SIGNAL_GUIDE_PARAMETER,
    }
    for key, value in env.items():
        setenv(key, value)
    reset_settings()
    reset_region_config()
    return Region(
        config=config,
        tables=tables,
        bus_name=bus.rsplit("/", 1)[-1],
        hmac_key_id=hmac_key,
        data_key_id=data_key,
        signal_guide=guide,
    )


@pytest.fixture
def region(monkeypatch: pytest.MonkeyPatch) -> Iterator[Region]:
    """A provisioned Groningen region in moto, and the environment a function there would get."""
    from services.shared.region_config import reset_region_config
    from services.shared.settings import reset_settings

    for key, value in BASE_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield provision_region(monkeypatch.setenv)
    reset_settings()
    reset_region_config()


def claims(**overrides: str) -> dict[str, str]:
    base = {
        "sub": "user-anna",
        "cognito:username": "anna.jgz",
        "cognito:groups": "professional",
        "token_use": "id",
        "custom:organization": "demo-jgz-groningen",
        "custom:region": "groningen",
        "email": "anna@demo.jeugdketen.nl",
        "phone_number": "+31600000001",
        "name": "Anna de Vries",
    }
    base.update(overrides)
    return base


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    claims_: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """A REST API proxy event as API Gateway sends it for ``/<prefix>/{proxy+}``."""
    prefix, _, rest = path.lstrip("/").partition("/")
    payload = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    hdrs = {"content-type": "application/json", **(headers or {})}
    return {
        "resource": f"/{prefix}/{{proxy+}}",
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": rest},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": f"/{prefix}/{{proxy+}}",
            "httpMethod": method,
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "path": f"/prod{path}",
            "stage": "prod",
            "accountId": "123456789012",
            "apiId": "testapi",
            "identity": {"sourceIp": "192.0.2.10", "userAgent": "JeugdketenApp/1.0"},
            "authorizer": {"claims": claims_} if claims_ is not None else None,
        },
        "body": payload,
        "isBase64Encoded": False,
    }


class LambdaContext:
    function_name = "test-function"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:test-function"
    aws_request_id = "req-0001"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def sqs_batch(*events: Any, receive_count: int = 1, queue: str = "test-queue") -> dict[str, Any]:
    """An SQS batch as a consumer gets it: each record's body is the EventBridge event of one envelope."""
    records = []
    for n, event in enumerate(events):
        body = {
            "version": "0",
            "id": f"eb-{n}",
            "detail-type": event.metadata.event_type,
            "source": type(event.data).source(),
            "account": "123456789012",
            "time": event.metadata.occurred_at.isoformat(),
            "region": AWS_REGION,
            "resources": [],
            "detail": event.model_dump(mode="json"),
        }
        records.append(
            {
                "messageId": f"m-{n}-{event.metadata.event_id}",
                "receiptHandle": f"r-{n}",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": str(receive_count)},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{AWS_REGION}:123456789012:{queue}",
                "awsRegion": AWS_REGION,
            }
        )
    return {"Records": records}
