"""What the plans service reaches beyond its own data: the user directory, for the display names of the
professionals a plan started from a match puts in its network (events carry user ids, never names) and to
link a family member's account by e-mail address."""

from __future__ import annotations

from infra.config import DeploymentConfig
from infra.constructs.monitoring import Alarms
from infra.constructs.platform import Platform
from infra.constructs.service import Service, ServiceExtension

# The match consumer names a draft plan's network; the API links a family member's account by e-mail.
DIRECTORY_READERS = ("plans-coordinator-assigned", "plans-api")


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
