"""What every service of a region shares: keys, the event bus, the user pool, the REST API behind a WAF, the
audit and idempotency tables, the operators' topic, backups, and the region config and signal guide in SSM."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import Acknowledgment, ArnFormat, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_backup as backup
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.config import SIGNAL_GUIDE_SERVICE, DeploymentConfig, ssm_tier_advanced
from infra.constructs.lambda_defaults import LOG_RETENTION
from infra.constructs.tables import protected_table
from services.shared.platform import AUDIT_TABLE, IDEMPOTENCY_TABLE
from services.shared.principal import Role

GROUP_DESCRIPTIONS: dict[Role, str] = {
    Role.PROFESSIONAL: "Professional of an organisation in the region (may signal where it has an agreement)",
    Role.MATCHREGIE: "Municipal match follow-up officer (Jeugdwet 7.1.3.2)",
    Role.NURSE: "JGZ nurse answering 24/7 contacts",
    Role.PARENT: "Parent or carer",
    Role.YOUTH: "Youth (12+) with access to their own plan",
    Role.MUNICIPALITY: "Municipal policy officer: statistics and privacy requests",
    Role.REGION_ADMIN: "Administrator of the region's users and configuration",
    Role.PLANNER: "Planner of the 24/7 roster of their own organisation",
}
CUSTOM_ATTRIBUTES = ("organization", "municipality", "region")

API_RATE_PER_SECOND = 100  # steady requests per second over the whole stage
API_BURST = 200
# Per client IP in a 5-minute window. Generous: a school or hospital puts many professionals behind one address.
WAF_RATE_LIMIT_PER_5_MIN = 3000
EVENT_ARCHIVE_DAYS = 30  # long enough to replay after an incident; short, as events name people by id
BACKUP_DAYS = 35  # kept short on purpose: a removed signal must not live on in backups for years


def _error_body(code: str, message: str) -> str:
    # The API's one error shape ({code, message, details}), also for answers API Gateway gives itself.
    body = {"code": code, "message": message, "details": {"request_id": "$context.requestId"}}
    return json.dumps(body, separators=(",", ":"))


@dataclass(frozen=True)
class ServiceParameter:
    """An SSM parameter that one service's API function reads, and the variable that names it."""

    env: str
    parameter: ssm.StringParameter
    sid: str


class Platform(Construct):
    """The region's shared resources. Services get what they need from its attributes, never by lookup."""

    def __init__(self, scope: Construct, construct_id: str, *, deployment: DeploymentConfig, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.deployment = deployment
        self.region_name = deployment.name
        self.stage_name = stage
        self._stack = Stack.of(self)
        self._build_keys()
        self.operators = self._build_operators_topic()
        self.undelivered_events = self._build_undelivered_events_queue()
        self.bus = self._build_event_bus()
        self.user_pool, self.user_pool_client = self._build_user_pool()
        self.api, self.authorizer = self._build_api()
        self.web_acl = self._build_firewall()
        self.audit_table = protected_table(self, "AuditTable", AUDIT_TABLE, self.storage_key)
        self.idempotency_table = protected_table(self, "IdempotencyTable", IDEMPOTENCY_TABLE, self.storage_key)
        self.config_parameter = self._build_config_parameter()
        self.signal_guide_parameter = self._build_signal_guide_parameter()
        # Parameters that only one service reads: its API function is told their names and may read them.
        self.service_parameters: dict[str, list[ServiceParameter]] = {
            SIGNAL_GUIDE_SERVICE: [
                ServiceParameter("JK_SIGNAL_GUIDE_PARAMETER", self.signal_guide_parameter, sid="ReadSignalGuide")
            ],
        }
        self.backup_plan = self._build_backup_plan()
        self._tables_to_back_up: list[dynamodb.ITable] = [self.audit_table, self.idempotency_table]

    # -- keys ----------------------------------------------------------------------------------------------
    def _build_keys(self) -> None:
        region = self.region_name
        self.storage_key = kms.Key(
            self,
            "StorageKey",
            alias=f"alias/jeugdketen/{region}/storage",
            description=f"Jeugdketen {region}: tables, streams, queues, topic, event bus, logs and backups at rest",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # CloudWatch Logs encrypts the region's log groups with it (only log groups of this account and region).
        self.storage_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsEncryptsLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{self._stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:DescribeKey",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": self._stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
        # CloudWatch alarms publish to the encrypted operators' topic: without this, alarms fire silently.
        self.storage_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublishToTheTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": self._stack.account}},
            )
        )
        # EventBridge delivers to the region's encrypted queues (subscriptions, DLQs): rules of this account only.
        self.storage_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeDeliversToQueues",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={
                    "StringEquals": {"aws:SourceAccount": self._stack.account},
                    "ArnLike": {
                        "aws:SourceArn": self._stack.format_arn(service="events", resource="rule", resource_name="*"),
                        "kms:EncryptionContext:aws:sqs:arn": self._stack.format_arn(
                            service="sqs", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME
                        ),
                    },
                },
            )
        )
        self.data_key = kms.Key(
            self,
            "FieldKey",
            alias=f"alias/jeugdketen/{region}/fields",
            description=f"Jeugdketen {region}: values stored encrypted where they must be shown again (e.g. a BSN)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Pseudonyms must stay stable to match signals: HMAC keys are not rotated, and never deleted by a stack.
        self.hmac_key = kms.Key(
            self,
            "PseudonymKey",
            alias=f"alias/jeugdketen/{region}/pseudonyms",
            description=f"Jeugdketen {region}: HMAC-SHA256 pseudonyms of BSNs and addresses (never leaves KMS)",
            key_spec=kms.KeySpec.HMAC_256,
            key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
            removal_policy=RemovalPolicy.RETAIN,
        )

    # -- messaging -----------------------------------------------------------------------------------------
    def _build_operators_topic(self) -> sns.Topic:
        topic = sns.Topic(
            self,
            "Operators",
            topic_name=f"jeugdketen-{self.region_name}-operators",
            display_name=f"Jeugdketen {self.region_name} operators",
            master_key=self.storage_key,
            enforce_ssl=True,
        )
        # The topic policy replaces SNS's default one, so CloudWatch alarms of this account are let in by name.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": self._stack.account}},
            )
        )
        return topic

    def _build_undelivered_events_queue(self) -> sqs.Queue:
        """Where the bus puts events it could not deliver to a rule's target (after its retries)."""
        queue = sqs.Queue(
            self,
            "UndeliveredEvents",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.storage_key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        Validations.of(queue.node.default_child).acknowledge(  # type: ignore[arg-type]
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason="This queue is the dead-letter destination of every rule target (events the bus could not "
                "deliver), watched by an alarm; a DLQ behind it would only move the problem.",
            )
        )
        return queue

    def _build_event_bus(self) -> events.EventBus:
        bus = events.EventBus(
            self,
            "Bus",
            event_bus_name=f"jeugdketen-{self.region_name}",
            description=f"Jeugdketen {self.region_name}: the events of every service",
            kms_key=self.storage_key,
            dead_letter_queue=self.undelivered_events,  # events the bus cannot encrypt or decrypt
        )
        # The archive re-encrypts what it stores; CDK's grant for the bus does not include that.
        self.storage_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeArchivesEvents",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=[
                    "kms:DescribeKey",
                    "kms:GenerateDataKey",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                ],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": self._stack.account,
                        # The ARN spelled out, not a reference: key -> bus -> DLQ -> key would be a cycle.
                        "kms:EncryptionContext:aws:events:event-bus:arn": self._stack.format_arn(
                            service="events", resource="event-bus", resource_name=f"jeugdketen-{self.region_name}"
                        ),
                    }
                },
            )
        )
        # L1 on purpose: the L2 Archive adds key-policy statements that reference the bus, and key -> bus ->
        # dead-letter queue -> key is a cycle. The statement above names the bus by its (known) ARN instead.
        events.CfnArchive(
            self,
            "Archive",
            source_arn=bus.event_bus_arn,
            description="Every event of the region, for replay after an incident",
            event_pattern={"account": [self._stack.account]},
            retention_days=EVENT_ARCHIVE_DAYS,
            kms_key_identifier=self.storage_key.key_arn,
        )
        # The bus puts events it cannot encrypt or decrypt in the undelivered-events queue.
        self.undelivered_events.add_to_resource_policy(
            iam.PolicyStatement(
                sid="BusDeadLetters",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self.undelivered_events.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": bus.event_bus_arn}},
            )
        )
        return bus

    # -- users ---------------------------------------------------------------------------------------------
    def _build_user_pool(self) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
        region = self.region_name
        pool = cognito.UserPool(
            self,
            "Users",
            user_pool_name=f"jeugdketen-{region}",
            self_sign_up_enabled=False,  # accounts are made by the region's administrators
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                phone_number=cognito.StandardAttribute(required=False, mutable=True),
            ),
            custom_attributes={
                "organization": cognito.StringAttribute(min_len=2, max_len=63, mutable=True),
                "municipality": cognito.StringAttribute(min_len=6, max_len=6, mutable=True),  # CBS code GMnnnn
                "region": cognito.StringAttribute(min_len=2, max_len=31, mutable=False),
            },
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
                password_history_size=5,
            ),
            # The pool cannot require MFA per group: it is required for everyone, by authenticator app (TOTP).
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            user_invitation=cognito.UserInvitationConfig(
                email_subject="Uw account voor Jeugdketen",
                email_body=(
                    "Er is een account voor u aangemaakt in Jeugdketen. Gebruikersnaam: {username}. "
                    "Tijdelijk wachtwoord: {####} (3 dagen geldig). Bij de eerste aanmelding kiest u een nieuw "
                    "wachtwoord en koppelt u een authenticator-app."
                ),
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for precedence, role in enumerate(Role):
            cognito.CfnUserPoolGroup(
                self,
                f"Group{role.value.title().replace('_', '')}",
                user_pool_id=pool.user_pool_id,
                group_name=role.value,
                description=GROUP_DESCRIPTIONS[role],
                precedence=precedence,
            )
        readable = (
            cognito.ClientAttributes()
            .with_standard_attributes(
                email=True, email_verified=True, phone_number=True, phone_number_verified=True, locale=True
            )
            .with_custom_attributes(*CUSTOM_ATTRIBUTES)
        )
        client = pool.add_client(
            "Frontends",
            user_pool_client_name=f"jeugdketen-{region}-frontends",
            generate_secret=False,  # mobile and browser apps cannot keep a secret
            auth_flows=cognito.AuthFlow(user_srp=True),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=Duration.minutes(60),
            access_token_validity=Duration.minutes(60),
            refresh_token_validity=Duration.hours(12),
            read_attributes=readable,
            # Users may change their language only: organisation, municipality and region decide what they may
            # see, so only administrators set them (AdminUpdateUserAttributes), and so are contact details.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(locale=True),
        )
        return pool, client

    # -- the API -------------------------------------------------------------------------------------------
    def _build_api(self) -> tuple[apigw.RestApi, apigw.CognitoUserPoolsAuthorizer]:
        region = self.region_name
        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            log_group_name=f"/jeugdketen/{region}/api/access",
            retention=LOG_RETENTION,
            encryption_key=self.storage_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        access_format = apigw.AccessLogFormat.custom(
            json.dumps(
                {
                    "requestId": "$context.requestId",
                    "time": "$context.requestTimeEpoch",
                    "ip": "$context.identity.sourceIp",
                    "user": "$context.authorizer.claims.sub",
                    "method": "$context.httpMethod",
                    "resource": "$context.resourcePath",
                    "status": "$context.status",
                    "latencyMs": "$context.responseLatency",
                    "integrationStatus": "$context.integration.status",
                    "integrationError": "$context.integration.error",
                    "authorizerError": "$context.authorizer.error",
                    "wafStatus": "$context.waf.status",
                    "responseLength": "$context.responseLength",
                    "xrayTraceId": "$context.xrayTraceId",
                },
                separators=(",", ":"),
            )
        )
        api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"jeugdketen-{region}",
            description=f"Jeugdketen {region}: the REST API of every service",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=self.stage_name,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=access_format,
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request and response bodies hold personal data: never in logs
                metrics_enabled=True,  # per-resource metrics: each service's 5xx gets its own alarm
                throttling_rate_limit=API_RATE_PER_SECOND,
                throttling_burst_limit=API_BURST,
            ),
        )
        self._own_execution_logs(api)
        for construct_id, response_type, status, code, message in (
            ("Unauthorized", apigw.ResponseType.UNAUTHORIZED, "401", "unauthenticated", "A valid token is required."),
            ("AccessDenied", apigw.ResponseType.ACCESS_DENIED, "403", "forbidden", "Access denied."),
            ("WafFiltered", apigw.ResponseType.WAF_FILTERED, "403", "forbidden", "The request was refused."),
            # API Gateway calls an unknown path a missing token (403); for a client it is simply not there.
            ("UnknownPath", apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "404", "not_found", "No such resource."),
            ("Throttled", apigw.ResponseType.THROTTLED, "429", "too_many_requests", "Too many requests; try later."),
            ("TooLarge", apigw.ResponseType.REQUEST_TOO_LARGE, "413", "payload_too_large", "The body is too large."),
            ("Default4xx", apigw.ResponseType.DEFAULT_4_XX, None, "bad_request", "The request could not be handled."),
            (
                "Default5xx",
                apigw.ResponseType.DEFAULT_5_XX,
                None,
                "internal_error",
                "Something went wrong on our side.",
            ),
        ):
            api.add_gateway_response(
                f"Response{construct_id}",
                type=response_type,
                status_code=status,
                templates={"application/json": _error_body(code, message)},
            )
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            "Authorizer",
            authorizer_name=f"jeugdketen-{region}-users",
            cognito_user_pools=[self.user_pool],
            results_cache_ttl=Duration.minutes(5),
        )
        stage = api.deployment_stage
        Validations.of(stage).acknowledge(
            Acknowledgment(
                id="HIPAA.Security-APIGWCacheEnabledAndEncrypted",
                reason="No response cache on purpose: every answer depends on who asks (roles, organisation, "
                "consent); a cache would risk serving one user's data to another. Nothing cached, nothing at rest.",
            ),
            Acknowledgment(
                id="HIPAA.Security-APIGWSSLEnabled",
                reason="Client certificates authenticate API Gateway to HTTP back ends; every integration here is "
                "a Lambda proxy invoked inside AWS with IAM, so there is no back end to present one to.",
            ),
        )
        # Acknowledged on the one resource each finding is about, so nothing else hides under it.
        Validations.of(api.node.default_child).acknowledge(  # type: ignore[arg-type]
            Acknowledgment(
                id="AwsSolutions-APIG2",
                reason="Requests are validated by each handler's pydantic models (Powertools enable_validation), "
                "which answer 422 in the API's {code, message, details} shape; the proxy routes have no models.",
            )
        )
        Validations.of(api.node.find_child("CloudWatchRole")).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                reason="The account-level role API Gateway needs to write execution logs; AWS maintains the "
                "policy for exactly this purpose.",
            )
        )
        return api, authorizer

    def _own_execution_logs(self, api: apigw.RestApi) -> None:
        """API Gateway would create its execution log group itself: unencrypted, kept forever. Create it first."""
        group = logs.LogGroup(
            self,
            "ApiExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{api.rest_api_id}/{self.stage_name}",
            retention=LOG_RETENTION,
            encryption_key=self.storage_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        api.deployment_stage.node.add_dependency(group)

    def _build_firewall(self) -> wafv2.CfnWebACL:
        region = self.region_name

        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            )

        def managed(priority: int, name: str, count_only: tuple[str, ...] = ()) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name=name,
                        rule_action_overrides=[
                            wafv2.CfnWebACL.RuleActionOverrideProperty(
                                name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                            )
                            for rule in count_only
                        ]
                        or None,
                    )
                ),
                visibility_config=visibility(name),
            )

        acl = wafv2.CfnWebACL(
            self,
            "Firewall",
            name=f"jeugdketen-{region}-api",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility(f"jeugdketen-{region}-api"),
            custom_response_bodies={
                "too_many_requests": wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON",
                    content=json.dumps(
                        {"code": "too_many_requests", "message": "Too many requests; try again later.", "details": {}}
                    ),
                )
            },
            rules=[
                # The common set blocks bodies over 8 KB; the API limits bodies itself (JK_MAX_BODY_BYTES, 413).
                managed(0, "AWSManagedRulesCommonRuleSet", count_only=("SizeRestrictions_BODY",)),
                managed(1, "AWSManagedRulesKnownBadInputsRuleSet"),
                wafv2.CfnWebACL.RuleProperty(
                    name="RateLimitPerClientIp",
                    priority=2,
                    action=wafv2.CfnWebACL.RuleActionProperty(
                        block=wafv2.CfnWebACL.BlockActionProperty(
                            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                                response_code=429, custom_response_body_key="too_many_requests"
                            )
                        )
                    ),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=WAF_RATE_LIMIT_PER_5_MIN, aggregate_key_type="IP", evaluation_window_sec=300
                        )
                    ),
                    visibility_config=visibility("RateLimitPerClientIp"),
                ),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "FirewallAssociation", resource_arn=self.api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
        )
        # Logged: only what the firewall blocked or counted (everything else is in the access log).
        log_name = f"aws-waf-logs-jeugdketen-{region}"  # WAF requires the aws-waf-logs- prefix
        waf_logs = logs.LogGroup(
            self,
            "FirewallLogs",
            log_group_name=log_name,
            retention=LOG_RETENTION,
            encryption_key=self.storage_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        logging = wafv2.CfnLoggingConfiguration(
            self,
            "FirewallLogging",
            resource_arn=acl.attr_arn,
            log_destination_configs=[
                self._stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=log_name,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            # Tokens and query strings (an access request names a youth's BSN there) never reach the logs.
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "authorization"}),
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(query_string={}),
            ],
            logging_filter={
                "DefaultBehavior": "DROP",
                "Filters": [
                    {
                        "Behavior": "KEEP",
                        "Requirement": "MEETS_ANY",
                        "Conditions": [
                            {"ActionCondition": {"Action": "BLOCK"}},
                            {"ActionCondition": {"Action": "COUNT"}},
                        ],
                    }
                ],
            },
        )
        logging.node.add_dependency(waf_logs)
        return acl

    # -- configuration and backups ---------------------------------------------------------------------------
    def _build_config_parameter(self) -> ssm.StringParameter:
        return self._parameter(
            "RegionConfig",
            name=self.deployment.config_parameter_name,
            description=f"Jeugdketen {self.region_name}: the region config (RegionConfig as JSON)",
            value=self.deployment.ssm_value(),
        )

    def _build_signal_guide_parameter(self) -> ssm.StringParameter:
        # Its own parameter: the region config is already over 4 KB and a parameter holds at most 8 KB.
        return self._parameter(
            "SignalGuide",
            name=self.deployment.signal_guide_parameter_name,
            description=f"Jeugdketen {self.region_name}: the signal guide (SignalGuide as JSON), read by signals",
            value=self.deployment.signal_guide_ssm_value(),
        )

    def _parameter(self, construct_id: str, *, name: str, description: str, value: str) -> ssm.StringParameter:
        """A string parameter in the standard tier, or the advanced one when ``value`` is over 4 KB."""
        return ssm.StringParameter(
            self,
            construct_id,
            parameter_name=name,
            description=description,
            string_value=value,
            tier=ssm.ParameterTier.ADVANCED if ssm_tier_advanced(value) else ssm.ParameterTier.STANDARD,
        )

    def _build_backup_plan(self) -> backup.BackupPlan:
        vault = backup.BackupVault(
            self,
            "BackupVault",
            backup_vault_name=f"jeugdketen-{self.region_name}",
            encryption_key=self.storage_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        return backup.BackupPlan(
            self,
            "BackupPlan",
            backup_plan_name=f"jeugdketen-{self.region_name}",
            backup_vault=vault,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name="Daily",
                    schedule_expression=events.Schedule.cron(hour="2", minute="30"),
                    delete_after=Duration.days(BACKUP_DAYS),
                )
            ],
        )

    def back_up(self, table: dynamodb.ITable) -> None:
        """Add a table to the daily backup (call before ``finalize``)."""
        self._tables_to_back_up.append(table)

    def finalize(self) -> None:
        """Create what needs every service's resources first: the backup selection of every table."""
        selection = self.backup_plan.add_selection(
            "Tables",
            resources=[backup.BackupResource.from_dynamo_db_table(t) for t in self._tables_to_back_up],
        )
        Validations.of(selection.node.find_child("Role")).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSBackupServiceRolePolicyForBackup]",
                reason="The role AWS Backup assumes to back up the tables; AWS maintains this service-role policy "
                "for exactly that purpose.",
            )
        )
