"""One service from its manifest: tables, the API function and its routes, the outbox relay on each stream,
rule -> queue (+DLQ) -> consumer per subscription, schedule -> sweeper per schedule, alarms, and one
least-privilege role per function.

Every permission a function has is written here, next to the reason it needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Duration, Names, Stack, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from infra.config import DeploymentConfig
from infra.constructs.lambda_defaults import CONSUMER_MAX_CONCURRENCY, SIZING, PythonFunction
from infra.constructs.monitoring import API_5XX_ALARM, STREAM_AGE_ALARM_MS, Alarms, ServiceWatch
from infra.constructs.platform import Platform
from infra.constructs.tables import index_arns, protected_table
from services.shared.consumer import MAX_RECEIVES  # then the message goes to the subscription's DLQ
from services.shared.manifest import (
    EventBusName,
    FunctionKind,
    FunctionSpec,
    Schedule,
    ServiceManifest,
    Subscription,
    TableDefinition,
)
from services.shared.relay import OUTBOX_FILTER

# Data-plane actions on a service's own tables (TransactWriteItems is authorised per item by these).
TABLE_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
]
# The audit log is append-only: put, never update or delete (NEN 7513).
AUDIT_ACTIONS = ["dynamodb:PutItem"]
# What Powertools idempotency does with its records.
IDEMPOTENCY_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
# Tables, streams and queues are encrypted with the storage key; DynamoDB and SQS use it on the caller's behalf.
STORAGE_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
STREAM_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
CONSUME_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]

RELAY_BATCH_SIZE = 100
RELAY_RETRIES = 10
# A stream keeps records 24 h; a batch that still fails after this goes to the on-failure queue as a pointer,
# leaving operators the rest of the day to re-read it from the stream.
RELAY_MAX_RECORD_AGE = Duration.hours(12)
TARGET_RETRIES = 185  # EventBridge's own maximum: a queue is rarely unavailable for long
TARGET_MAX_EVENT_AGE_SECONDS = 24 * 3600
DEAD_LETTER_RETENTION = Duration.days(14)

_PATTERN_KEYS = {
    "source": "source",
    "detail-type": "detail_type",
    "detail": "detail",
    "account": "account",
    "region": "region",
    "resources": "resources",
    "id": "id",
    "time": "time",
    "version": "version",
}


@jsii.implements(events.IRuleTarget)
class QueueTarget:
    """A rule -> SQS target that lets in only its own rule.

    CDK's ``SqsQueue`` target drops the ``aws:SourceArn`` condition for KMS-encrypted queues (to avoid a
    dependency cycle through the key policy) and grants the events service the whole key. Here the queue
    policy names the rule, and the key policy (platform) admits EventBridge for this account's rules only.
    """

    def __init__(self, queue: sqs.IQueue, *, dead_letter_queue: sqs.IQueue) -> None:
        self.queue = queue
        self.dead_letter_queue = dead_letter_queue

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        rule_arn = rule.rule_ref.rule_arn
        for queue in (self.queue, self.dead_letter_queue):
            queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"FromRule{Names.node_unique_id(rule.node)}"[:100],
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    actions=["sqs:SendMessage"],
                    resources=[queue.queue_arn],
                    conditions={"ArnEquals": {"aws:SourceArn": rule_arn}},
                )
            )
        return events.RuleTargetConfig(
            arn=self.queue.queue_arn,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self.dead_letter_queue.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_retry_attempts=TARGET_RETRIES, maximum_event_age_in_seconds=TARGET_MAX_EVENT_AGE_SECONDS
            ),
        )


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def event_pattern(pattern: Mapping[str, Any]) -> events.EventPattern:
    """A manifest's pattern (EventBridge JSON keys) as CDK's ``EventPattern``."""
    unknown = sorted(set(pattern) - set(_PATTERN_KEYS))
    if unknown:
        raise ValueError(f"event pattern keys not supported by EventBridge rules: {unknown}")
    return events.EventPattern(**{_PATTERN_KEYS[k]: v for k, v in pattern.items()})


class Service(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        manifest: ServiceManifest,
        platform: Platform,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        alarms: Alarms,
    ) -> None:
        super().__init__(scope, construct_id)
        self.manifest = manifest
        self.platform = platform
        self._code = code
        self._layer = layer
        self._alarms = alarms
        self.watch = ServiceWatch(name=manifest.name)
        self._default_bus: events.IEventBus | None = None
        self.tables: dict[str, dynamodb.Table] = {}
        self.definitions: dict[str, TableDefinition] = {}
        self._build_tables()
        self.functions: dict[str, PythonFunction] = {}
        for spec in manifest.functions():
            builder = {
                FunctionKind.API: self._build_api,
                FunctionKind.RELAY: self._build_relay,
                FunctionKind.CONSUMER: self._build_consumer,
                FunctionKind.SWEEPER: self._build_sweeper,
            }[spec.kind]
            builder(spec)

    # -- tables -------------------------------------------------------------------------------------------
    def _build_tables(self) -> None:
        for table_spec in self.manifest.tables:
            definition = table_spec.definition()
            table = protected_table(self, f"Table{_pascal(table_spec.name)}", definition, self.platform.storage_key)
            self.platform.back_up(table)
            self.tables[table_spec.name] = table
            self.definitions[table_spec.name] = definition

    # -- functions ----------------------------------------------------------------------------------------
    def _environment(self, kind: FunctionKind) -> dict[str, str]:
        """What a function of ``kind`` is told: only the names of what it may use."""
        platform = self.platform
        env = {"JK_REGION": platform.region_name, "JK_STAGE": platform.stage_name}
        if kind is FunctionKind.RELAY:
            env["JK_EVENT_BUS"] = platform.bus.event_bus_name
            return env
        env["JK_TABLES"] = Stack.of(self).to_json_string(
            {f"{self.manifest.name}.{name}": table.table_name for name, table in self.tables.items()}
        )
        env["JK_AUDIT_TABLE"] = platform.audit_table.table_name
        env["JK_CONFIG_PARAMETER"] = platform.config_parameter.parameter_name
        if kind is FunctionKind.API:
            env["JK_HMAC_KEY_ID"] = platform.hmac_key.key_arn
            env["JK_DATA_KEY_ID"] = platform.data_key.key_arn
            for own in platform.service_parameters.get(self.manifest.name, []):
                env[own.env] = own.parameter.parameter_name
        if kind is FunctionKind.CONSUMER:
            env["JK_IDEMPOTENCY_TABLE"] = platform.idempotency_table.table_name
        return env

    def _function(self, spec: FunctionSpec, *, dead_letter_queue: sqs.IQueue | None = None) -> PythonFunction:
        fn = PythonFunction(
            self,
            _pascal(spec.name.removeprefix(f"{self.manifest.name}-")),
            region=self.platform.region_name,
            service=self.manifest.name,
            spec=spec,
            code=self._code,
            layer=self._layer,
            environment=self._environment(spec.kind),
            log_key=self.platform.storage_key,
            dead_letter_queue=dead_letter_queue,
        )
        self.functions[spec.name] = fn
        self.watch.functions.append(fn)
        self._alarms.for_function(fn, fn)
        return fn

    def _allow_service_data(self, fn: PythonFunction) -> None:
        """Own tables (and their indexes, by name), the audit log (put only), the region config."""
        platform = self.platform
        resources = [arn for name, t in self.tables.items() for arn in index_arns(t, self.definitions[name])]
        fn.allow(TABLE_ACTIONS, resources, sid="OwnTables")
        fn.allow(AUDIT_ACTIONS, [platform.audit_table.table_arn], sid="AppendAuditRecords")
        fn.allow(STORAGE_KEY_ACTIONS, [platform.storage_key.key_arn], sid="StorageKey")
        fn.allow(["ssm:GetParameter"], [platform.config_parameter.parameter_arn], sid="ReadRegionConfig")

    def _dead_letter_queue(self, construct_id: str, *, failure_destination: bool = False) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            construct_id,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.platform.storage_key,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
        )
        if failure_destination:  # cdk-nag recognises a DLQ only by another queue's redrive policy
            Validations.of(queue.node.default_child).acknowledge(  # type: ignore[arg-type]
                Acknowledgment(
                    id="AwsSolutions-SQS3",
                    reason="This queue is itself a dead-letter destination (a stream's on-failure destination or a "
                    "function's DLQ), watched by an alarm; a DLQ behind it would only move the problem.",
                )
            )
        return queue

    def _build_api(self, spec: FunctionSpec) -> None:
        fn = self._function(spec)
        self._allow_service_data(fn)
        fn.allow(["kms:GenerateMac"], [self.platform.hmac_key.key_arn], sid="Pseudonyms")
        fn.allow(["kms:Encrypt", "kms:Decrypt"], [self.platform.data_key.key_arn], sid="FieldEncryption")
        # Parameters of this service alone (the signal guide): only its API function serves them.
        for own in self.platform.service_parameters.get(self.manifest.name, []):
            fn.allow(["ssm:GetParameter"], [own.parameter.parameter_arn], sid=own.sid)
        integration = apigw.LambdaIntegration(fn.function, proxy=True, allow_test_invoke=False)
        method_options: dict[str, Any] = {
            "authorizer": self.platform.authorizer,
            "authorization_type": apigw.AuthorizationType.COGNITO,
        }
        resource = self.platform.api.root.add_resource(self.manifest.api_prefix.strip("/"))
        resource.add_method("ANY", integration, **method_options)
        proxy = resource.add_resource("{proxy+}")
        proxy.add_method("ANY", integration, **method_options)
        self._alarms.add(
            self,
            "Api5xxAlarm",
            name=f"{self.manifest.name}-api-5xx",
            metric=cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name="5XXError",
                dimensions_map={
                    "ApiName": self.platform.api.rest_api_name,
                    "Stage": self.platform.stage_name,
                    "Resource": proxy.path,
                    "Method": "ANY",
                },
                period=Duration.minutes(5),
                statistic="Sum",
            ),
            threshold=API_5XX_ALARM,
            description=f"{self.manifest.name}: {API_5XX_ALARM} or more 5xx on {proxy.path} in 5 minutes.",
        )

    def _build_relay(self, spec: FunctionSpec) -> None:
        assert spec.table is not None
        table = self.tables[spec.table]
        failures = self._dead_letter_queue(
            f"{_pascal(spec.name.removeprefix(self.manifest.name + '-'))}Failures", failure_destination=True
        )
        fn = self._function(spec)
        assert table.table_stream_arn is not None
        fn.allow(STREAM_ACTIONS, [table.table_stream_arn], sid="ReadOutboxStream")
        fn.allow(
            ["dynamodb:ListStreams"],
            ["*"],
            sid="ListStreams",
            unscoped_because="dynamodb:ListStreams has no resource-level permissions; the stream reads themselves "
            "are scoped to this table's stream ARN.",
        )
        fn.allow(["kms:Decrypt"], [self.platform.storage_key.key_arn], sid="DecryptStream")
        fn.allow(["events:PutEvents"], [self.platform.bus.event_bus_arn], sid="PublishToRegionBus")
        fn.allow(["sqs:SendMessage"], [failures.queue_arn], sid="ReportFailedBatches")
        fn.allow(["kms:GenerateDataKey"], [self.platform.storage_key.key_arn], sid="EncryptFailureReports")
        fn.function.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=RELAY_BATCH_SIZE,
                bisect_batch_on_error=True,
                retry_attempts=RELAY_RETRIES,
                max_record_age=RELAY_MAX_RECORD_AGE,
                on_failure=sources.SqsDlq(failures),
                filters=[lambda_.FilterCriteria.filter(OUTBOX_FILTER)],
            )
        )
        self.watch.dead_letter_queues.append((f"{spec.name} failures", failures))
        self._alarms.for_dead_letters(
            fn, "FailuresAlarm", spec.name, failures, "outbox events could not be relayed to the bus (a pointer to the "
            "stream records; re-read them within 24 h of their write)."
        )  # fmt: skip
        self._alarms.add(
            fn,
            "IteratorAgeAlarm",
            name=f"{spec.name}-iterator-age",
            metric=fn.function.metric("IteratorAge", period=Duration.minutes(5), statistic="Maximum"),
            threshold=STREAM_AGE_ALARM_MS,
            description=f"{spec.name}: outbox events wait more than 5 minutes to reach the bus.",
        )

    def _build_consumer(self, spec: FunctionSpec) -> None:
        subscription = spec.subscription
        assert subscription is not None
        short = _pascal(subscription.name)
        dead_letters = self._dead_letter_queue(f"{short}DeadLetters")
        timeout = SIZING[FunctionKind.CONSUMER].timeout
        queue = sqs.Queue(
            self,
            f"{short}Queue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.platform.storage_key,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(timeout.to_seconds() * 6),  # AWS's advice for Lambda consumers
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVES, queue=dead_letters),
        )
        events.Rule(
            self,
            f"{short}Rule",
            description=f"{spec.name}: {subscription.name}",
            event_bus=self._bus(subscription),
            event_pattern=event_pattern(subscription.event_pattern()),
            targets=[QueueTarget(queue, dead_letter_queue=self.platform.undelivered_events)],
        )
        fn = self._function(spec)
        self._allow_service_data(fn)
        fn.allow(CONSUME_ACTIONS, [queue.queue_arn], sid="ConsumeSubscriptionQueue")
        fn.allow(IDEMPOTENCY_ACTIONS, [self.platform.idempotency_table.table_arn], sid="IdempotencyRecords")
        fn.function.add_event_source(
            sources.SqsEventSource(
                queue,
                batch_size=subscription.batch_size,
                report_batch_item_failures=True,
                max_concurrency=CONSUMER_MAX_CONCURRENCY,
            )
        )
        self.watch.queues.append((subscription.name, queue))
        self.watch.dead_letter_queues.append((f"{subscription.name} DLQ", dead_letters))
        self._alarms.for_dead_letters(
            fn, "DeadLettersAlarm", spec.name, dead_letters, f"events failed {MAX_RECEIVES} times in the consumer."
        )
        self._alarms.for_queue_age(fn, spec.name, queue)

    def _bus(self, subscription: Subscription) -> events.IEventBus:
        if subscription.bus is EventBusName.DEFAULT:
            if self._default_bus is None:
                self._default_bus = events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
            return self._default_bus
        return self.platform.bus

    def _build_sweeper(self, spec: FunctionSpec) -> None:
        schedule: Schedule | None = spec.schedule
        assert schedule is not None
        failures = self._dead_letter_queue(f"{_pascal(schedule.name)}Failures", failure_destination=True)
        fn = self._function(spec, dead_letter_queue=failures)
        self._allow_service_data(fn)
        fn.allow(["sqs:SendMessage"], [failures.queue_arn], sid="ReportFailedSweeps")
        events.Rule(
            self,
            f"{_pascal(schedule.name)}Schedule",
            description=f"{spec.name}: every {schedule.rate_minutes} minute{'s' if schedule.rate_minutes != 1 else ''}",
            schedule=events.Schedule.rate(Duration.minutes(schedule.rate_minutes)),
            targets=[
                targets.LambdaFunction(
                    fn.function, dead_letter_queue=failures, retry_attempts=2, max_event_age=Duration.hours(1)
                )
            ],
        )
        self.watch.dead_letter_queues.append((f"{schedule.name} failures", failures))
        self._alarms.for_dead_letters(
            fn, "FailuresAlarm", spec.name, failures, "a sweep failed after its retries (it runs again on schedule)."
        )


class ServiceExtension(Construct):
    """What one service needs beyond what every service gets (its own data, queues, the audit log, the region
    config): built inside the service's construct once the manifest's functions exist, and listed by service
    name in ``region_stack.SERVICE_EXTENSIONS``. ``Service`` itself knows no service by name."""

    def __init__(
        self,
        scope: Service,
        construct_id: str,
        *,
        platform: Platform,
        deployment: DeploymentConfig,
        alarms: Alarms,
    ) -> None:
        super().__init__(scope, construct_id)
        self.service = scope
        self.platform = platform
        self.deployment = deployment
        self.alarms = alarms

    def function(self, name: str) -> PythonFunction:
        """The function ``name`` of the service; a manifest that renamed it fails the synth here, loudly."""
        try:
            return self.service.functions[name]
        except KeyError:
            known = ", ".join(sorted(self.service.functions))
            raise ValueError(f"{type(self).__name__}: no function {name!r} in the manifest (it has {known})") from None
