"""What the video service (24/7 contact with a JGZ nurse: chat, call-back, video) reaches beyond its own data:
Amazon Chime SDK meetings and the user directory; and how operators see the 24/7 contacts of the region.

- ``video-api`` (a nurse accepts a contact, a parent or nurse joins the video) and ``video-queue`` (the sweeper
  that moves unanswered offers on and closes what is over) create, read and delete the contacts' meetings and
  admit attendees. Nobody else calls Chime: ``video-meeting-events`` only records, in its own table, that a
  meeting ended (the event comes from the account's default bus, wired by ``Service`` from the manifest).
- Both resolve Cognito user names (nurses on a roster, the teams' leads and handover recipients in the region
  file) to user ids in the region's pool.
- A "24/7 contact" row on the region dashboard, per organisation that takes 24/7 contacts, from the business
  metrics the video functions emit (Powertools Metrics, dimensions ``service`` and ``organization``), and an
  alarm per organisation when a parent waits longer than the region allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, ArnFormat, Duration, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch

from infra.config import DeploymentConfig
from infra.constructs.lambda_defaults import METRICS_SERVICE_DIMENSION, PythonFunction, metrics_namespace
from infra.constructs.monitoring import Alarms, DashboardRow
from infra.constructs.platform import Platform
from infra.constructs.service import Service, ServiceExtension
from services.shared.region import RegionConfig
from services.shared.settings_model import Settings

MEETING_HOSTS = ("video-api", "video-queue")  # the only functions that call the Chime SDK
DIRECTORY_READERS = ("video-api", "video-queue")  # nurses' and teams' user names -> user ids
# Creating a meeting names no resource (its ARN exists only once it is made); every later call names the meeting.
CREATE_MEETING = "chime:CreateMeeting"
MEETING_ACTIONS = ["chime:CreateAttendee", "chime:GetAttendee", "chime:GetMeeting", "chime:DeleteMeeting"]
# Where the meetings' media flows when the region file does not say (the settings' default: an EU region).
DEFAULT_MEDIA_REGION = str(Settings.model_fields["meeting_media_region"].default)

# The business metrics of 24/7 contact (services/video emits them per organisation; names are the contract).
ORGANIZATION_DIMENSION = "organization"
CONTACTS_WAITING = "ContactsWaiting"  # gauge, every minute: contacts waiting or offered, not yet answered
LONGEST_WAIT = "LongestWaitSeconds"  # gauge, every minute: how long the longest-waiting parent has waited
ANSWERED = "ContactsAnswered"
ANSWERED_WITHIN_TARGET = "ContactsAnsweredWithinTarget"
ABANDONED = "ContactsAbandoned"
WAITING_TOO_LONG = "ContactsWaitingTooLong"
ONE_MINUTE = Duration.minutes(1)
ONE_HOUR = Duration.hours(1)
LONG_WAIT_MINUTES = 2  # consecutive minutes over the region's maximum wait before an operator is woken


@dataclass(frozen=True)
class Organisation247:
    """An organisation that answers 24/7 contacts: one line per widget, one alarm."""

    id: str
    name: str


def organisations_taking_contacts(region: RegionConfig) -> list[Organisation247]:
    """Every municipality's own JGZ organisation, then the out-of-hours partner; each once, in that order."""
    contact = region.contact_247
    ids = list(dict.fromkeys([*contact.own_organisation.values(), contact.out_of_hours_partner]))
    return [Organisation247(id=org_id, name=_name(region, org_id)) for org_id in ids]


def _name(region: RegionConfig, org_id: str) -> str:
    organisation = region.organisation(org_id)
    return organisation.name if organisation is not None else org_id


def _pascal(value: str) -> str:
    return "".join(part.capitalize() for part in value.replace("_", "-").split("-"))


class VideoContacts(ServiceExtension):
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
        stack = Stack.of(self)
        self.meetings_arn = stack.format_arn(
            service="chime",
            resource="meeting",
            resource_name="*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        # How cdk-nag names the finding for that wildcard (the partition stays a token in the template).
        self.meetings_finding = (
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:{stack.region}:{stack.account}:meeting/*]"
        )
        self.organisations = organisations_taking_contacts(deployment.region)
        for name in MEETING_HOSTS:
            self._allow_meetings(self.function(name))
        for name in DIRECTORY_READERS:
            self._allow_directory(self.function(name))
        self._build_monitoring()

    # -- Chime SDK meetings ----------------------------------------------------------------------------
    def _allow_meetings(self, fn: PythonFunction) -> None:
        # No region field in the region file: the settings' default EU media region, written down here so the
        # template says where the video goes.
        fn.function.add_environment("JK_MEETING_MEDIA_REGION", DEFAULT_MEDIA_REGION)
        fn.allow(
            [CREATE_MEETING],
            ["*"],
            sid="CreateContactMeetings",
            # Only through this region's Chime SDK endpoint: the one the function's client calls.
            conditions={"StringEquals": {"aws:RequestedRegion": Stack.of(self).region}},
            unscoped_because="chime:CreateMeeting has no resource type in the Service Authorization Reference "
            "(a meeting's ARN exists only once it is created); it is limited to this region's Chime SDK endpoint, "
            "and every call on an existing meeting is scoped to this account's meetings in this region.",
        )
        fn.allow(MEETING_ACTIONS, [self.meetings_arn], sid="RunContactMeetings")
        Validations.of(fn.access.policy).acknowledge(
            Acknowledgment(
                id=self.meetings_finding,
                reason="Chime SDK names a meeting when it creates it (a new id per contact's video call); the "
                "wildcard covers only the meetings of this account in this region, i.e. the region's own contacts.",
            )
        )

    # -- the directory ---------------------------------------------------------------------------------
    def _allow_directory(self, fn: PythonFunction) -> None:
        fn.function.add_environment("JK_USER_POOL_ID", self.platform.user_pool.user_pool_id)
        fn.allow(["cognito-idp:ListUsers"], [self.platform.user_pool.user_pool_arn], sid="NurseAndTeamUserIds")

    # -- alarms and the dashboard row ------------------------------------------------------------------
    def _metric(
        self, name: str, organisation: Organisation247, *, statistic: str, period: Duration, label: str | None = None
    ) -> cloudwatch.Metric:
        """One organisation's metric as Powertools emits it; a ``label`` only for graphs (an alarm on a labelled
        metric would be written as a metric query instead of the plain metric)."""
        return cloudwatch.Metric(
            namespace=metrics_namespace(self.platform.region_name),
            metric_name=name,
            dimensions_map={
                METRICS_SERVICE_DIMENSION: self.service.manifest.name,
                ORGANIZATION_DIMENSION: organisation.id,
            },
            statistic=statistic,
            period=period,
            label=label,
        )

    def _build_monitoring(self) -> None:
        max_wait = self.deployment.region.contact_247.service_levels.max_wait_seconds
        for organisation in self.organisations:
            self._build_long_wait_alarm(organisation, max_wait)
        self.service.watch.rows.append(DashboardRow(title="24/7 contact", widgets=self._widgets(max_wait)))

    def _build_long_wait_alarm(self, organisation: Organisation247, max_wait: int) -> None:
        self.alarms.add(
            self,
            f"LongestWait{_pascal(organisation.id)}Alarm",
            name=f"video-{organisation.id}-longest-wait",
            metric=self._metric(LONGEST_WAIT, organisation, statistic="Maximum", period=ONE_MINUTE),
            threshold=max_wait,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            periods=LONG_WAIT_MINUTES,
            description=f"24/7 contact, {organisation.name} ({organisation.id}): for {LONG_WAIT_MINUTES} minutes in "
            f"a row a parent has been waiting for a nurse longer than the region's maximum wait of {max_wait} "
            f"seconds ({max_wait / 60:g} min). Check the roster and the presence of the nurses on duty at "
            f"{organisation.name} now: is anyone rostered at this hour, signed in and available (the app sends "
            "heartbeats), or are all of them busy at their maximum of parallel chats? If so, ask the organisation "
            "to bring in another nurse. The dashboard's '24/7 contact' row shows the waiting contacts per "
            "organisation.",
        )

    def _widgets(self, max_wait: int) -> list[cloudwatch.IWidget]:
        orgs = self.organisations
        target = cloudwatch.HorizontalAnnotation(value=max_wait, label=f"maximum wait ({max_wait} s): alarm")
        answered_percent = [
            cloudwatch.MathExpression(
                expression=f"100 * within{i} / answered{i}",
                using_metrics={
                    f"within{i}": self._metric(ANSWERED_WITHIN_TARGET, org, statistic="Sum", period=ONE_HOUR),
                    f"answered{i}": self._metric(ANSWERED, org, statistic="Sum", period=ONE_HOUR),
                },
                label=org.name,
                period=ONE_HOUR,
            )
            for i, org in enumerate(orgs)
        ]
        outcomes = [
            self._metric(metric, org, statistic="Sum", period=ONE_HOUR, label=f"{org.name}: {what}")
            for org in orgs
            for metric, what in (
                (ANSWERED, "answered"),
                (ABANDONED, "abandoned"),
                (WAITING_TOO_LONG, "waited too long"),
            )
        ]
        return [
            cloudwatch.GraphWidget(
                title="24/7 contact: parents waiting now",
                left=[
                    self._metric(CONTACTS_WAITING, o, statistic="Maximum", period=ONE_MINUTE, label=o.name)
                    for o in orgs
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0, show_units=False),
                width=6,
            ),
            cloudwatch.GraphWidget(
                title="24/7 contact: longest wait (s)",
                left=[
                    self._metric(LONGEST_WAIT, o, statistic="Maximum", period=ONE_MINUTE, label=o.name) for o in orgs
                ],
                left_annotations=[target],
                left_y_axis=cloudwatch.YAxisProps(min=0, show_units=False),
                width=6,
            ),
            cloudwatch.GraphWidget(
                title="24/7 contact: answered within the target time (% per hour)",
                left=answered_percent,
                left_y_axis=cloudwatch.YAxisProps(min=0, max=100, show_units=False),
                width=6,
            ),
            cloudwatch.GraphWidget(
                title="24/7 contact: answered, abandoned and waited too long (per hour)",
                left=outcomes,
                left_y_axis=cloudwatch.YAxisProps(min=0, show_units=False),
                width=6,
            ),
        ]
