"""Every function the same way: Python on arm64, JSON logs into its own encrypted log group, active tracing,
bounded concurrency, and one role of its own whose only permissions are the statements written for it.

The role is handed to Lambda *without policy updates*: CDK's automatic grants (event sources, destinations,
tracing) cannot add anything to it, so what a function may do is exactly what ``allow()`` was told — the
infra tests read those statements back from the template.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Duration, IStableStringProducer, Lazy, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from services.shared.manifest import FunctionKind, FunctionSpec

RUNTIME = lambda_.Runtime.PYTHON_3_13  # bundling.PYTHON_VERSION compiles bytecode for this version
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_LEVEL = "INFO"
# Function logs carry pseudonyms and ids, never content; a year covers incident investigations. The NEN 7513
# audit trail is the audit table, with the region's own retention.
LOG_RETENTION = logs.RetentionDays.ONE_YEAR


@dataclass(frozen=True)
class Sizing:
    memory_mb: int
    timeout: Duration
    reserved_concurrency: int  # caps cost and protects the tables; the account needs room for the sum


SIZING: Mapping[FunctionKind, Sizing] = {
    # Memory buys CPU: imports of pydantic and Powertools dominate an API cold start.
    FunctionKind.API: Sizing(memory_mb=1024, timeout=Duration.seconds(15), reserved_concurrency=50),
    # A stream invokes one relay per shard; throttling only delays (the stream waits, nothing is lost).
    FunctionKind.RELAY: Sizing(memory_mb=256, timeout=Duration.seconds(60), reserved_concurrency=5),
    # Equal to the event source's maximum concurrency, so SQS polling is never throttled into the DLQ.
    FunctionKind.CONSUMER: Sizing(memory_mb=512, timeout=Duration.seconds(60), reserved_concurrency=5),
    # One at a time: a sweep never overlaps the previous one.
    FunctionKind.SWEEPER: Sizing(memory_mb=512, timeout=Duration.seconds(300), reserved_concurrency=1),
}
CONSUMER_MAX_CONCURRENCY = SIZING[FunctionKind.CONSUMER].reserved_concurrency

XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
# Powertools Metrics adds the function's service name (POWERTOOLS_SERVICE_NAME) as this dimension to every metric.
METRICS_SERVICE_DIMENSION = "service"


def metrics_namespace(region: str) -> str:
    """The CloudWatch namespace of a region's business metrics (POWERTOOLS_METRICS_NAMESPACE of every function)."""
    return f"Jeugdketen/{region}"


def physical_name(*parts: str, limit: int = 64) -> str:
    """``jk-<region>-<function>``, shortened with a stable hash when a long region name would overflow."""
    name = "-".join(parts)
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9]}-{digest}"


@jsii.implements(IStableStringProducer)
class _Reasons:
    """The acknowledgment of a policy's ``*`` statements: every reason, however many statements come later."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def produce(self) -> str:
        return " ".join([*self.reasons, "Every other statement of this policy names its resources."])


class LeastPrivilegeRole(Construct):
    """A Lambda role with one customer-managed policy and nothing else (no AWS-managed, no inline policy).

    A statement on ``*`` must say why no resource can be named; cdk-nag's finding is acknowledged once with
    all those reasons (it keeps only the first acknowledgment of a rule, so they are gathered, not repeated).
    """

    def __init__(self, scope: Construct, construct_id: str, *, description: str) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(self, "Policy", description=description)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
            managed_policies=[self.policy],  # the role waits for its policy: no window without permissions
        )
        self._unscoped = _Reasons()

    def allow(
        self,
        actions: Sequence[str],
        resources: Sequence[str],
        *,
        sid: str | None = None,
        conditions: Mapping[str, Any] | None = None,
        unscoped_because: str | None = None,
    ) -> None:
        if "*" in resources:
            if not unscoped_because:
                raise ValueError(f"{self.node.path} {sid}: a statement on '*' must say why no resource can be named")
            if not self._unscoped.reasons:
                Validations.of(self.policy).acknowledge(
                    Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=Lazy.string(self._unscoped))
                )
            self._unscoped.reasons.append(unscoped_because)
        self.policy.add_statements(
            iam.PolicyStatement(
                sid=sid, actions=list(actions), resources=list(resources), conditions=dict(conditions or {}) or None
            )
        )


class PythonFunction(Construct):
    """One function of a service, with the house defaults (see the module docstring)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        region: str,
        service: str,
        spec: FunctionSpec,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        environment: Mapping[str, str],
        log_key: kms.IKey,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        sizing = SIZING[spec.kind]
        name = physical_name("jk", region, spec.name)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/jeugdketen/{region}/lambda/{spec.name}",
            retention=LOG_RETENTION,
            encryption_key=log_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.access = LeastPrivilegeRole(self, "Access", description=f"{name}: {spec.kind.value} of {service}")
        self.access.allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"], [self.log_group.log_group_arn], sid="WriteOwnLogs"
        )
        self.access.allow(
            XRAY_ACTIONS,
            ["*"],
            sid="Tracing",
            unscoped_because="X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=f"{service} {spec.kind.value}: {spec.handler}",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=code,
            layers=[layer],
            memory_size=sizing.memory_mb,
            timeout=sizing.timeout,
            reserved_concurrent_executions=sizing.reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            role=self.access.role.without_policy_updates(),
            environment={
                **environment,
                "POWERTOOLS_SERVICE_NAME": service,
                "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace(region),
                "POWERTOOLS_LOG_LEVEL": LOG_LEVEL,
            },
            dead_letter_queue=dead_letter_queue,
            retry_attempts=2 if dead_letter_queue is not None else None,
        )
        # Lambda adds DependsOn its role, which the Role reference already implies (cfn-lint W3005).
        function_resource = self.function.node.default_child
        assert isinstance(function_resource, lambda_.CfnFunction)
        function_resource.add_deletion_override("DependsOn")
        if dead_letter_queue is None:
            Validations.of(function_resource).acknowledge(
                Acknowledgment(
                    id="HIPAA.Security-LambdaDLQ",
                    reason=f"A {spec.kind.value} function is never invoked asynchronously, where a Lambda DLQ "
                    "applies: API calls are synchronous, and stream/queue failures go to the event source's own "
                    "on-failure destination or the queue's DLQ.",
                )
            )
        Validations.of(function_resource).acknowledge(
            Acknowledgment(
                id="HIPAA.Security-LambdaInsideVPC",
                reason="The function reaches only AWS APIs (DynamoDB, EventBridge, SQS, KMS, SSM; notifications also "
                "SES and SNS; some also Cognito and Chime SDK meetings) over TLS with IAM; there is no private "
                "resource to reach, and a VPC would add NAT/endpoints without a control.",
            )
        )
        Validations.of(function_resource).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="Python 3.13 on purpose: bytecode and the layer's binary wheels are built for it; moving to a "
                "newer runtime is a deliberate upgrade (bundling.PYTHON_VERSION), not a silent one.",
            )
        )

    def allow(
        self,
        actions: Sequence[str],
        resources: Sequence[str],
        *,
        sid: str | None = None,
        conditions: Mapping[str, Any] | None = None,
        unscoped_because: str | None = None,
    ) -> None:
        self.access.allow(actions, resources, sid=sid, conditions=conditions, unscoped_because=unscoped_because)

    @property
    def role(self) -> iam.IRole:
        return self.access.role
