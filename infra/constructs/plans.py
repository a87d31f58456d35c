"""What the plans service reaches beyond its own data: the user directory, for the display names of the
professionals a plan started from a match puts in its network (events carry user ids, never names)."""

from __future__ import annotations

from infra.config import DeploymentConfig
from infra.constructs.monitoring import Alarms
from infra.constructs.platform import Platform
from infra.constructs.service import Service, ServiceExtension

DIRECTORY_READERS = ("plans-coordinator-assigned",)  # starts the draft plan of a match


class PlanDirectory(ServiceExtension):
    def __init__(
        self,
        scope: Service,
        construct_id: str,
        *,
        platform: Platform,
        deployment: DeploymentConfig,
        alarms: Alarms,
    ) -> None:
        super().__init__(scope, construct_id, platform=platform, deployment=deployment, alarms=alarms)
        for name in DIRECTORY_READERS:
            fn = self.function(name)
            fn.function.add_environment("JK_USER_POOL_ID", platform.user_pool.user_pool_id)
            fn.allow(["cognito-idp:ListUsers"], [platform.user_pool.user_pool_arn], sid="NamesOfTheNetwork")
