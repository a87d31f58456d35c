"""What the notifications service reaches beyond its own data: the region's e-mail sender (an SES domain
identity), SMS and push through SNS, and the user directory for contact details.

Every permission a notifications function has beyond what ``Service`` gives every function is written here,
next to the reason it needs it:

- the consumer (``notifications-deliver``) and the sweeper that releases messages held for quiet hours
  (``notifications-held``) send: e-mail as the region's sender, SMS, push to the devices' endpoints; they
  look recipients up in the user pool and delete endpoints that SNS reports disabled;
- the API function (``notifications-api``) registers and removes push devices: it creates and deletes
  endpoints of the region's platform applications.

SNS platform applications hold the APNs/FCM credentials and are not a CloudFormation resource: the region file
names them (``aws.push_applications``); with none, the region offers no push and nobody gets those rights.
"""

from __future__ import annotations

import json

from aws_cdk import Acknowledgment, CfnOutput, Duration, Fn, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ses as ses

from infra.config import DeploymentConfig
from infra.constructs.lambda_defaults import METRICS_SERVICE_DIMENSION, PythonFunction, metrics_namespace
from infra.constructs.monitoring import Alarms
from infra.constructs.platform import Platform
from infra.constructs.service import Service, ServiceExtension

SENDERS = ("notifications-deliver", "notifications-held")  # the consumer and the quiet-hours sweeper
DEVICES = "notifications-api"  # POST/DELETE /notifications/devices
FAILED_METRIC = "NotificationsFailed"  # a delivery that failed for good (a refused address, a gone endpoint)
SENT_METRIC = "NotificationsSent"
FAILED_ALARM = 1  # per 5 minutes: every permanent failure is someone who was not told


def endpoints_of(application_arn: str) -> str:
    """The ARNs of every endpoint of an SNS platform application (``...:app/APNS/x`` -> ``...:endpoint/APNS/x/*``)."""
    return application_arn.replace(":app/", ":endpoint/", 1) + "/*"


class NotificationChannels(ServiceExtension):
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
        push = deployment.aws.push_applications
        self.applications = sorted(push.values())
        self.endpoints = [endpoints_of(arn) for arn in self.applications]
        # The same JSON for the API and the senders: which platforms the region offers, and their applications.
        self.push_environment = json.dumps(dict(sorted(push.items())), separators=(",", ":"))
        self.sender_identity = self._build_sender_identity()
        for name in SENDERS:
            self._allow_sending(self.function(name))
        self._allow_device_registration(self.function(DEVICES))
        self._build_monitoring()

    # -- e-mail sender ---------------------------------------------------------------------------------
    def _build_sender_identity(self) -> ses.EmailIdentity:
        """The domain of ``notifications.email_from`` as an SES identity (Easy DKIM); its DNS records are outputs."""
        domain = self.deployment.sender_domain
        identity = ses.EmailIdentity(self, "SenderDomain", identity=ses.Identity.domain(domain))
        # The operator publishes these three CNAMEs in the domain's DNS; SES verifies the domain once they resolve.
        for number, (name, value) in enumerate(
            (
                (identity.dkim_dns_token_name1, identity.dkim_dns_token_value1),
                (identity.dkim_dns_token_name2, identity.dkim_dns_token_value2),
                (identity.dkim_dns_token_name3, identity.dkim_dns_token_value3),
            ),
            start=1,
        ):
            CfnOutput(
                self,
                f"SenderDkimRecord{number}",
                value=Fn.join(" ", [name, "CNAME", value]),
                description=f"DNS record {number} of 3 that verifies {domain} for SES (DKIM)",
            )
        return identity

    # -- the senders -----------------------------------------------------------------------------------
    def _allow_sending(self, fn: PythonFunction) -> None:
        notifications = self.deployment.region.notifications
        fn.function.add_environment("JK_USER_POOL_ID", self.platform.user_pool.user_pool_id)
        fn.function.add_environment("JK_PUSH_APPLICATIONS", self.push_environment)
        # E-mail: only through the region's domain identity, and only as the region's sender address.
        fn.allow(
            ["ses:SendEmail"],
            [self.sender_identity.email_identity_arn],
            sid="SendEmailAsTheRegion",
            conditions={"StringEquals": {"ses:FromAddress": notifications.email_from}},
        )
        # SMS to a phone number has no resource to name; the same statement covers push to the devices' endpoints.
        fn.allow(
            ["sns:Publish"],
            ["*"],
            sid="SendSmsAndPush",
            unscoped_because="sns:Publish to a phone number (SMS) has no resource ARN at all; push to the devices' "
            "endpoints goes through the same statement.",
        )
        # Contact details come from the directory when a message is sent, never from the event.
        fn.allow(["cognito-idp:ListUsers"], [self.platform.user_pool.user_pool_arn], sid="FindRecipients")
        if self.endpoints:
            # A device whose endpoint SNS disabled (app removed, token expired) is forgotten, so it is not tried again.
            fn.allow(["sns:DeleteEndpoint"], self.endpoints, sid="ForgetDisabledDevices")
            Validations.of(fn.access.policy).acknowledge(*self._endpoint_acknowledgments())

    # -- device registration ---------------------------------------------------------------------------
    def _allow_device_registration(self, fn: PythonFunction) -> None:
        fn.function.add_environment("JK_PUSH_APPLICATIONS", self.push_environment)
        if not self.applications:
            return  # no push in this region: registration answers 422 platform_unavailable before any AWS call
        # A device's push token becomes an endpoint of the platform application for its kind of app.
        fn.allow(["sns:CreatePlatformEndpoint"], self.applications, sid="RegisterDevices")
        fn.allow(["sns:DeleteEndpoint"], self.endpoints, sid="RemoveDevices")
        Validations.of(fn.access.policy).acknowledge(*self._endpoint_acknowledgments())

    def _endpoint_acknowledgments(self) -> list[Acknowledgment]:
        return [
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{endpoints}]",
                reason="SNS names an endpoint when it creates it (one per device); the wildcard covers only the "
                "endpoints of this platform application, i.e. the region's own app installations.",
            )
            for endpoints in self.endpoints
        ]

    # -- alarm and dashboard ---------------------------------------------------------------------------
    def _metric(self, name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=metrics_namespace(self.platform.region_name),
            metric_name=name,
            dimensions_map={METRICS_SERVICE_DIMENSION: self.service.manifest.name},
            period=Duration.minutes(5),
            statistic="Sum",
        )

    def _build_monitoring(self) -> None:
        failed = self._metric(FAILED_METRIC)
        self.alarms.add(
            self,
            "FailedAlarm",
            name="notifications-failed",
            metric=failed,
            threshold=FAILED_ALARM,
            description="notifications: a notification could not be delivered and will not be retried (e.g. SES "
            "refused the address or SNS the phone number) in the last 5 minutes; the consumer's log names the "
            "delivery and the error code.",
        )
        self.service.watch.business_metrics.extend([self._metric(SENT_METRIC), failed])
