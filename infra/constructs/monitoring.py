"""Alarms to the operators' topic, and the region's dashboard.

``Alarms`` is the one way alarms are made (same action, same missing-data rule); the service construct uses
it for its own functions and queues, ``Monitoring`` for the API and the platform, and draws the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.lambda_defaults import PythonFunction, physical_name

FIVE_MINUTES = Duration.minutes(5)
QUEUE_AGE_ALARM_SECONDS = 15 * 60  # an event waiting 15 minutes means a consumer is stuck or failing
STREAM_AGE_ALARM_MS = 5 * 60 * 1000  # outbox events not relayed within 5 minutes
API_5XX_ALARM = 5  # per service, in 5 minutes


class Alarms:
    """Makes alarms that notify the operators' topic, and remembers them for the dashboard."""

    def __init__(self, region: str, topic: sns.ITopic) -> None:
        self.region = region
        self._action = actions.SnsAction(topic)
        self.all: list[cloudwatch.Alarm] = []

    def add(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            scope,
            construct_id,
            alarm_name=physical_name("jk", self.region, name, limit=255),
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.all.append(alarm)
        return alarm

    # -- the alarms every function and queue gets ----------------------------------------------------------
    def for_function(self, scope: Construct, fn: PythonFunction) -> None:
        name = fn.spec.name
        self.add(
            scope,
            "ErrorsAlarm",
            name=f"{name}-errors",
            metric=fn.function.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
            threshold=1,
            description=f"{name}: the function failed (an exception or a timeout) in the last 5 minutes.",
        )
        self.add(
            scope,
            "ThrottlesAlarm",
            name=f"{name}-throttles",
            metric=fn.function.metric_throttles(period=FIVE_MINUTES, statistic="Sum"),
            threshold=1,
            description=f"{name}: invocations were throttled (reserved concurrency reached) in the last 5 minutes.",
        )

    def for_dead_letters(self, scope: Construct, construct_id: str, name: str, queue: sqs.IQueue, what: str) -> None:
        self.add(
            scope,
            construct_id,
            name=f"{name}-dead-letters",
            metric=queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum"),
            threshold=1,
            description=f"{name}: {what} Look at the messages, fix the cause, then redrive them.",
        )

    def for_queue_age(self, scope: Construct, name: str, queue: sqs.IQueue) -> None:
        self.add(
            scope,
            "OldestMessageAlarm",
            name=f"{name}-oldest-message",
            metric=queue.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES, statistic="Maximum"),
            threshold=QUEUE_AGE_ALARM_SECONDS,
            description=f"{name}: an event has waited over {QUEUE_AGE_ALARM_SECONDS // 60} minutes to be handled.",
        )


@dataclass
class DashboardRow:
    """A row of a service's own widgets under a title (e.g. the video service's "24/7 contact")."""

    title: str
    widgets: list[cloudwatch.IWidget]


@dataclass
class ServiceWatch:
    """What the dashboard shows of one service."""

    name: str
    functions: list[PythonFunction] = field(default_factory=list)
    queues: list[tuple[str, sqs.IQueue]] = field(default_factory=list)
    dead_letter_queues: list[tuple[str, sqs.IQueue]] = field(default_factory=list)
    business_metrics: list[cloudwatch.IMetric] = field(default_factory=list)  # the service's own (Powertools EMF)
    rows: list[DashboardRow] = field(default_factory=list)  # drawn under the service's operational row


class Monitoring(Construct):
    """API-wide alarms and the region dashboard (API, then one row per service, and any rows of its own)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        region: str,
        api: apigw.RestApi,
        web_acl_name: str,
        alarms: Alarms,
        services: Sequence[ServiceWatch],
        platform_dead_letters: Sequence[tuple[str, sqs.IQueue]],
    ) -> None:
        super().__init__(scope, construct_id)
        stage = api.deployment_stage.stage_name
        alarms.add(
            self,
            "Api5xxAlarm",
            name="api-5xx",
            metric=api.deployment_stage.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            threshold=10,
            description="The API answered 10 or more 5xx in 5 minutes (all services, including the gateway itself).",
        )
        for label, queue in platform_dead_letters:
            alarms.for_dead_letters(
                self, f"{label.title().replace('-', '')}Alarm", label, queue, "the bus could not deliver events."
            )
        self.dashboard = self._build_dashboard(
            region, api, stage, web_acl_name, alarms, services, platform_dead_letters
        )

    def _build_dashboard(
        self,
        region: str,
        api: apigw.RestApi,
        stage: str,
        web_acl_name: str,
        alarms: Alarms,
        services: Sequence[ServiceWatch],
        platform_dead_letters: Sequence[tuple[str, sqs.IQueue]],
    ) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"jeugdketen-{region}", default_interval=Duration.hours(6)
        )

        def api_metric(name: str, statistic: str) -> cloudwatch.Metric:
            return api.deployment_stage.metric(name, period=FIVE_MINUTES, statistic=statistic)

        waf_blocked = cloudwatch.Metric(
            namespace="AWS/WAFV2",
            metric_name="BlockedRequests",
            dimensions_map={"WebACL": web_acl_name, "Rule": "ALL", "Region": Stack.of(self).region},
            period=FIVE_MINUTES,
            statistic="Sum",
        )
        dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=f"# Jeugdketen {region}\nAPI stage `{stage}`; alarms go to the operators' topic.",
                width=24,
                height=2,
            ),
            # A status widget shows at most 100 alarms: the services' first (manifest order), the platform's last.
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=alarms.all[:100], width=24, height=6),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[api_metric("Count", "Sum"), api_metric("4XXError", "Sum"), api_metric("5XXError", "Sum")],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="API latency (ms)",
                left=[api_metric("Latency", "p50"), api_metric("Latency", "p90"), api_metric("Latency", "p99")],
                right=[api_metric("IntegrationLatency", "p90")],
                width=8,
            ),
            cloudwatch.GraphWidget(title="Firewall: blocked requests", left=[waf_blocked], width=8),
        )
        for watch in services:
            dashboard.add_widgets(cloudwatch.TextWidget(markdown=f"## {watch.name}", width=24, height=1))
            fns = watch.functions
            dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title=f"{watch.name}: errors and throttles",
                    left=[f.function.metric_errors(period=FIVE_MINUTES, label=f"{f.spec.name} errors") for f in fns],
                    right=[
                        f.function.metric_throttles(period=FIVE_MINUTES, label=f"{f.spec.name} throttles") for f in fns
                    ],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title=f"{watch.name}: duration p95 (ms)",
                    left=[
                        f.function.metric_duration(period=FIVE_MINUTES, statistic="p95", label=f.spec.name) for f in fns
                    ],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title=f"{watch.name}: queues (depth left, oldest age s right) and dead letters",
                    left=[
                        *(
                            q.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, label=label)
                            for label, q in watch.queues
                        ),
                        *(
                            q.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, label=label)
                            for label, q in watch.dead_letter_queues
                        ),
                    ],
                    right=[
                        q.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES, label=f"{label} age")
                        for label, q in watch.queues
                    ],
                    width=8,
                ),
            )
            if watch.business_metrics:
                dashboard.add_widgets(
                    cloudwatch.GraphWidget(
                        title=f"{watch.name}: business metrics", left=watch.business_metrics, width=8
                    )
                )
            for row in watch.rows:
                dashboard.add_widgets(cloudwatch.TextWidget(markdown=f"### {row.title}", width=24, height=1))
                dashboard.add_widgets(*row.widgets)
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Events the bus could not deliver",
                left=[
                    q.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, label=label)
                    for label, q in platform_dead_letters
                ],
                width=8,
            )
        )
        return dashboard
