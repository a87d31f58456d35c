"""Provision a region into moto from the same definitions the AWS stack uses.

Tables come from each manifest's ``TableSpec.definition()`` and the platform's ``AUDIT_TABLE`` /
``IDEMPOTENCY_TABLE``; rules from each subscription's ``event_pattern()``, on the region bus or, for AWS service
events (Chime SDK meeting state changes), on moto's default bus, as on AWS; the region config and the signal guide
are the validated ``RegionConfig`` and ``SignalGuide`` of ``infra/regions/<region>.yaml``, as the stack publishes
them; the SES sender identity is the domain of its ``notifications.email_from``. Nothing here is a hand-written
copy of a resource. (Push platform applications are the one thing made up here: on AWS they hold the apps'
credentials and the region file names them.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from infra.config import API_STAGE, sender_domain, ssm_tier_advanced
from services.shared.consumer import MAX_RECEIVES  # then a message goes to the subscription's DLQ (as on AWS)
from services.shared.manifest import EventBusName, FunctionKind, FunctionSpec, ServiceManifest, TableDefinition
from services.shared.platform import AUDIT_TABLE, IDEMPOTENCY_TABLE
from services.shared.principal import Role

ClientFactory = Callable[[str], Any]

# The push platforms the local host offers, as SNS platform application types (on AWS the region file names
# real applications; moto needs no APNs/FCM credentials). The sandbox, as a developer's app build would use.
PUSH_APPLICATION_TYPES = {"apns": "APNS_SANDBOX", "fcm": "GCM"}
CUSTOM_ATTRIBUTES = ("organization", "municipality", "region")
READABLE_ATTRIBUTES = (
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "name",
    *(f"custom:{name}" for name in CUSTOM_ATTRIBUTES),
)
ROLE_DESCRIPTIONS = {
    Role.PROFESSIONAL: "professional of an organisation with a signalling agreement",
    Role.MATCHREGIE: "municipal match follow-up officer",
    Role.NURSE: "youth-health-care nurse (24/7 chat and video)",
    Role.PARENT: "parent or carer",
    Role.YOUTH: "young person",
    Role.MUNICIPALITY: "municipal policy officer (statistics, privacy requests)",
    Role.REGION_ADMIN: "administrator of the region",
    Role.PLANNER: "planner of the 24/7 roster of their organisation",
}


@dataclass(frozen=True)
class Names:
    """Resource names on the local host: ``jk-<region>-...``; one moto holds one region."""

    region: str

    @property
    def prefix(self) -> str:
        return f"jk-{self.region}"

    def table(self, service: str, table: str) -> str:
        return f"{self.prefix}-{service}-{table}"

    def function(self, spec: FunctionSpec) -> str:
        return f"{self.prefix}-{spec.name}"

    @property
    def audit_table(self) -> str:
        return f"{self.prefix}-audit"

    @property
    def idempotency_table(self) -> str:
        return f"{self.prefix}-idempotency"

    @property
    def event_bus(self) -> str:
        return f"jeugdketen-{self.region}"

    @property
    def user_pool(self) -> str:
        return f"jeugdketen-{self.region}"

    def push_application(self, platform: str) -> str:
        return f"{self.prefix}-{platform}"


@dataclass(frozen=True)
class Queue:
    name: str
    url: str
    arn: str


@dataclass(frozen=True)
class Subscribed:
    """A consumer function and what feeds it: rule -> queue (-> DLQ after 5 receives)."""

    function: FunctionSpec
    rule: str
    bus: str
    queue: Queue
    dlq: Queue


@dataclass(frozen=True)
class Streamed:
    """A relay function and what feeds it: a table's stream; failed batches go to ``failures``."""

    function: FunctionSpec
    table: str
    stream_arn: str
    failures: Queue


@dataclass(frozen=True)
class Provisioned:
    region: str
    aws_region: str
    account: str
    tables: dict[str, str]
    audit_table: str
    idempotency_table: str
    event_bus: str
    data_key_id: str
    hmac_key_id: str
    config_parameter: str
    signal_guide_parameter: str
    user_pool_id: str
    client_id: str
    sender_identity: str = ""
    push_applications: dict[str, str] = field(default_factory=dict)
    retry_back_off_seconds: int = 30  # the consumers' first back-off: the queues' (short) visibility timeout here
    subscriptions: list[Subscribed] = field(default_factory=list)
    streams: list[Streamed] = field(default_factory=list)
    sweepers: list[FunctionSpec] = field(default_factory=list)

    def environment(self) -> dict[str, str]:
        """The ``JK_*`` settings every function of the region gets (one process hosts them all)."""
        return {
            "JK_REGION": self.region,
            "JK_STAGE": API_STAGE,
            "JK_TABLES": json.dumps(self.tables, sort_keys=True),
            "JK_AUDIT_TABLE": self.audit_table,
            "JK_IDEMPOTENCY_TABLE": self.idempotency_table,
            "JK_EVENT_BUS": self.event_bus,
            "JK_HMAC_KEY_ID": self.hmac_key_id,
            "JK_DATA_KEY_ID": self.data_key_id,
            "JK_CONFIG_PARAMETER": self.config_parameter,
            "JK_SIGNAL_GUIDE_PARAMETER": self.signal_guide_parameter,
            "JK_USER_POOL_ID": self.user_pool_id,
            "JK_PUSH_APPLICATIONS": json.dumps(self.push_applications, sort_keys=True),
            "JK_RETRY_BACK_OFF_SECONDS": str(self.retry_back_off_seconds),
            "JK_LOCAL": "true",
            # No Chime SDK in moto: meetings and join tokens of the same shape, without media (video's logic).
            "JK_MEETING_PROVIDER": "local",
        }


def create_table_request(name: str, definition: TableDefinition) -> dict[str, Any]:
    """``CreateTable`` arguments for ``definition`` (keys, global indexes, stream)."""
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
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": v} for k, v in attributes.items()],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    if definition.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    return request


class Provisioner:
    """Creates one region's resources in moto. ``client(name)`` gives a boto3 client bound to moto."""

    def __init__(
        self,
        client: ClientFactory,
        *,
        region: str,
        aws_region: str,
        account: str,
        manifests: Iterable[ServiceManifest],
        region_config_json: str,
        config_parameter: str,
        signal_guide_json: str,
        signal_guide_parameter: str,
        email_from: str,
        visibility_timeout: int,
    ) -> None:
        self._client = client
        self.names = Names(region)
        self.region = region
        self.aws_region = aws_region
        self.account = account
        self.manifests = list(manifests)
        self.region_config_json = region_config_json
        self.config_parameter = config_parameter
        self.signal_guide_json = signal_guide_json
        self.signal_guide_parameter = signal_guide_parameter
        self.email_from = email_from
        self.visibility_timeout = visibility_timeout

    def provision(self) -> Provisioned:
        tables, stream_arns = self._build_tables()
        bus = self._build_event_bus()
        data_key, hmac_key = self._build_keys()
        self._build_region_config()
        pool_id, client_id = self._build_user_pool()
        sender_identity = self._build_sender_identity()
        push_applications = self._build_push_applications()
        provisioned = Provisioned(
            region=self.region,
            aws_region=self.aws_region,
            account=self.account,
            tables=tables,
            audit_table=self.names.audit_table,
            idempotency_table=self.names.idempotency_table,
            event_bus=bus,
            data_key_id=data_key,
            hmac_key_id=hmac_key,
            config_parameter=self.config_parameter,
            signal_guide_parameter=self.signal_guide_parameter,
            user_pool_id=pool_id,
            client_id=client_id,
            sender_identity=sender_identity,
            push_applications=push_applications,
            retry_back_off_seconds=self.visibility_timeout,
        )
        for manifest in self.manifests:
            for spec in manifest.functions():
                if spec.kind is FunctionKind.CONSUMER:
                    provisioned.subscriptions.append(self._build_subscription(spec, bus))
                elif spec.kind is FunctionKind.RELAY:
                    assert spec.table is not None
                    key = f"{manifest.name}.{spec.table}"
                    provisioned.streams.append(
                        Streamed(
                            function=spec,
                            table=tables[key],
                            stream_arn=stream_arns[key],
                            failures=self._build_queue(f"{self.names.function(spec)}-failures"),
                        )
                    )
                elif spec.kind is FunctionKind.SWEEPER:
                    provisioned.sweepers.append(spec)
        return provisioned

    # -- tables ---------------------------------------------------------------------------------------
    def _build_tables(self) -> tuple[dict[str, str], dict[str, str]]:
        dynamodb = self._client("dynamodb")
        tables: dict[str, str] = {}
        stream_arns: dict[str, str] = {}
        for manifest in self.manifests:
            for spec in manifest.tables:
                key = f"{manifest.name}.{spec.name}"
                name = self.names.table(manifest.name, spec.name)
                arn = self._create_table(dynamodb, name, spec.definition())
                tables[key] = name
                if arn:
                    stream_arns[key] = arn
        self._create_table(dynamodb, self.names.audit_table, AUDIT_TABLE)
        self._create_table(dynamodb, self.names.idempotency_table, IDEMPOTENCY_TABLE)
        return tables, stream_arns

    @staticmethod
    def _create_table(dynamodb: Any, name: str, definition: TableDefinition) -> str | None:
        description = dynamodb.create_table(**create_table_request(name, definition))["TableDescription"]
        if definition.ttl_attribute:
            # moto records the setting but never deletes; sweepers must not rely on TTL deletion (nor on AWS).
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": definition.ttl_attribute}
            )
        return description.get("LatestStreamArn")

    # -- events ---------------------------------------------------------------------------------------
    def _build_event_bus(self) -> str:
        self._client("events").create_event_bus(Name=self.names.event_bus)
        return self.names.event_bus

    def _build_queue(self, name: str, attributes: dict[str, str] | None = None) -> Queue:
        sqs = self._client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Queue(name=name, url=url, arn=arn)

    def _build_subscription(self, spec: FunctionSpec, region_bus: str) -> Subscribed:
        assert spec.subscription is not None
        name = self.names.function(spec)
        dlq = self._build_queue(f"{name}-dlq", {"MessageRetentionPeriod": str(14 * 24 * 3600)})
        queue = self._build_queue(
            name,
            {
                "VisibilityTimeout": str(self.visibility_timeout),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq.arn, "maxReceiveCount": MAX_RECEIVES}),
            },
        )
        bus = region_bus if spec.subscription.bus is EventBusName.REGION else "default"
        events = self._client("events")
        rule_arn = events.put_rule(
            Name=name, EventBusName=bus, EventPattern=json.dumps(spec.subscription.event_pattern()), State="ENABLED"
        )["RuleArn"]
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue.arn}])
        # As on AWS: only this rule may send to the queue (moto does not enforce it; it documents the shape).
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue.arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
                }
            ],
        }
        self._client("sqs").set_queue_attributes(QueueUrl=queue.url, Attributes={"Policy": json.dumps(policy)})
        return Subscribed(function=spec, rule=name, bus=bus, queue=queue, dlq=dlq)

    # -- keys, config ---------------------------------------------------------------------------------
    def _build_keys(self) -> tuple[str, str]:
        kms = self._client("kms")
        data = kms.create_key(
            KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT", Description=f"{self.region}: data key"
        )["KeyMetadata"]["KeyId"]
        hmac = kms.create_key(
            KeyUsage="GENERATE_VERIFY_MAC", KeySpec="HMAC_256", Description=f"{self.region}: pseudonym HMAC key"
        )["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/jeugdketen-{self.region}-data", TargetKeyId=data)
        kms.create_alias(AliasName=f"alias/jeugdketen-{self.region}-pseudonyms", TargetKeyId=hmac)
        return data, hmac

    def _build_region_config(self) -> None:
        """The region config and the signal guide, each in its own parameter (as on AWS)."""
        ssm = self._client("ssm")
        for name, value in (
            (self.config_parameter, self.region_config_json),
            (self.signal_guide_parameter, self.signal_guide_json),
        ):
            ssm.put_parameter(
                Name=name,
                Value=value,
                Type="String",
                Tier="Advanced" if ssm_tier_advanced(value) else "Standard",
                Overwrite=True,
            )

    # -- identity -------------------------------------------------------------------------------------
    def _build_user_pool(self) -> tuple[str, str]:
        cognito = self._client("cognito-idp")
        pool = cognito.create_user_pool(
            PoolName=self.names.user_pool,
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                }
            },
            # MFA is required on AWS for professionals, nurses and officers; the local host signs in with a
            # password only (moto cannot deliver the second factor).
            MfaConfiguration="OFF",
            AutoVerifiedAttributes=["email"],
            Schema=[
                {"Name": name, "AttributeDataType": "String", "Mutable": True, "Required": False}
                for name in CUSTOM_ATTRIBUTES
            ],
        )["UserPool"]
        pool_id = pool["Id"]
        for role in Role:
            cognito.create_group(
                UserPoolId=pool_id, GroupName=role.value, Description=ROLE_DESCRIPTIONS.get(role, role.value)
            )
        client = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=f"jeugdketen-{self.region}-local",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            # moto puts only the readable standard attributes into the ID token (AWS: all by default).
            ReadAttributes=list(READABLE_ATTRIBUTES),
            IdTokenValidity=60,
            TokenValidityUnits={"IdToken": "minutes"},
        )["UserPoolClient"]
        return pool_id, client["ClientId"]

    # -- notification channels ------------------------------------------------------------------------
    def _build_sender_identity(self) -> str:
        """The domain of ``notifications.email_from`` as an SES identity, as the stack creates it; moto verifies it
        at once (AWS waits for the DKIM records), so sends from the region's address are accepted."""
        domain = sender_domain(self.email_from)
        self._client("sesv2").create_email_identity(EmailIdentity=domain)
        return domain

    def _build_push_applications(self) -> dict[str, str]:
        """One SNS platform application per push platform (on AWS made by hand and named in the region file)."""
        sns = self._client("sns")
        return {
            platform: sns.create_platform_application(
                Name=self.names.push_application(platform), Platform=kind, Attributes={}
            )["PlatformApplicationArn"]
            for platform, kind in PUSH_APPLICATION_TYPES.items()
        }
