"""One region's stack: composes the platform, one construct per service manifest, and monitoring. Nothing else.

Region differences come in as data (``DeploymentConfig``); there is no ``if region == ...`` anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import CfnOutput, Environment, Stack, Tags
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import API_STAGE, DeploymentConfig
from infra.constructs.bundling import Bundler
from infra.constructs.lambda_defaults import ARCHITECTURE, RUNTIME
from infra.constructs.monitoring import Alarms, Monitoring
from infra.constructs.notifications import NotificationChannels
from infra.constructs.plans import PlanDirectory
from infra.constructs.platform import Platform
from infra.constructs.service import Service, ServiceExtension
from infra.constructs.video import VideoContacts
from services.shared.manifest import ServiceManifest, load_manifests

# Services that reach AWS beyond their own data, queues, the audit log and the region config, and the one
# construct each that writes those permissions down (built inside the service's construct).
SERVICE_EXTENSIONS: Mapping[str, type[ServiceExtension]] = {
    "notifications": NotificationChannels,
    "plans": PlanDirectory,
    "video": VideoContacts,
}


class RegionStack(Stack):
    def __init__(
        self,
        scope: Construct,
        *,
        deployment: DeploymentConfig,
        bundler: Bundler,
        manifests: Sequence[ServiceManifest] | None = None,
    ) -> None:
        super().__init__(
            scope,
            deployment.stack_name,
            stack_name=deployment.stack_name,
            description=f"Jeugdketen {deployment.region.display_name}: every service of the region",
            env=Environment(account=deployment.aws.account, region=deployment.aws.region),
            termination_protection=True,
        )
        Tags.of(self).add("jeugdketen:region", deployment.name)
        self.deployment = deployment
        self.platform = Platform(self, "Platform", deployment=deployment, stage=API_STAGE)
        self.alarms = Alarms(deployment.name, self.platform.operators)
        layer = lambda_.LayerVersion(
            self,
            "Dependencies",
            description="Jeugdketen runtime dependencies (pyproject [project] dependencies, minus the AWS SDK)",
            code=lambda_.Code.from_asset(str(bundler.layer_asset())),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        self.services = [
            Service(
                self,
                manifest.name.capitalize(),
                manifest=manifest,
                platform=self.platform,
                code=lambda_.Code.from_asset(str(bundler.service_asset(manifest))),
                layer=layer,
                alarms=self.alarms,
            )
            for manifest in (manifests if manifests is not None else load_manifests())
        ]
        for service in self.services:
            extension = SERVICE_EXTENSIONS.get(service.manifest.name)
            if extension is not None:
                extension(
                    service, extension.__name__, platform=self.platform, deployment=deployment, alarms=self.alarms
                )
        self.platform.finalize()
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            region=deployment.name,
            api=self.platform.api,
            web_acl_name=str(self.platform.web_acl.name),
            alarms=self.alarms,
            services=[s.watch for s in self.services],
            platform_dead_letters=[("undelivered-events", self.platform.undelivered_events)],
        )
        self._outputs()

    def _outputs(self) -> None:
        platform = self.platform
        CfnOutput(self, "ApiUrl", value=platform.api.url, description="The REST API (stage URL)")
        CfnOutput(self, "UserPoolId", value=platform.user_pool.user_pool_id, description="Cognito user pool")
        CfnOutput(
            self,
            "UserPoolClientId",
            value=platform.user_pool_client.user_pool_client_id,
            description="App client for the frontends",
        )
        CfnOutput(self, "EventBusName", value=platform.bus.event_bus_name)
        CfnOutput(self, "OperatorsTopicArn", value=platform.operators.topic_arn, description="Subscribe operators here")
        CfnOutput(self, "RegionConfigParameter", value=platform.config_parameter.parameter_name)
