"""The notifications functions may send e-mail as the region, SMS and push, look recipients up and manage push
devices, and nothing more; no other function may do any of it; a permanent delivery failure wakes an operator."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import load_region
from tests.infra.conftest import PROBE_PUSH_APPLICATIONS, Synth
from tests.infra.helpers import as_list, functions, logical_id_at, policy_documents, refs, role_of, statements

pytestmark = pytest.mark.infra

DELIVER = "services.notifications.handlers.deliver.handler"
HELD = "services.notifications.handlers.sweeper.handler"
API = "services.notifications.handlers.api.handler"
PLANS_FROM_MATCH = "services.plans.handlers.coordinator_assigned.handler"
PLANS_API = "services.plans.handlers.api.handler"  # links a family member's account by e-mail
VIDEO_API = "services.video.handlers.api.handler"  # nurses' and teams' user names -> user ids
VIDEO_QUEUE = "services.video.handlers.sweeper.handler"  # the same for the leads told of a long wait
SENDERS = (DELIVER, HELD)
CHANNEL_PREFIXES = ("ses:", "sns:", "cognito-idp:")


def function_with(synth: Synth, handler: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, function)] = [(k, f) for k, f in functions(synth).items() if f["Properties"]["Handler"] == handler]
    return logical_id, function


def statements_of(synth: Synth, handler: str | dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The policy statements by Sid of the function with ``handler`` (or of the function itself)."""
    function = function_with(synth, handler)[1] if isinstance(handler, str) else handler
    return {s.get("Sid", ""): s for s in statements(policy_documents(synth, role_of(function)))}


def channel_actions(synth: Synth, handler: str | dict[str, Any]) -> dict[str, set[str]]:
    """Sid -> the SES, SNS and Cognito actions of that statement."""
    return {
        sid: {a for a in as_list(s["Action"]) if a.startswith(CHANNEL_PREFIXES)}
        for sid, s in statements_of(synth, handler).items()
        if any(a.startswith(CHANNEL_PREFIXES) for a in as_list(s["Action"]))
    }


def variables(synth: Synth, handler: str) -> dict[str, Any]:
    return dict(function_with(synth, handler)[1]["Properties"]["Environment"]["Variables"])


def acknowledged(synth: Synth, handler: str) -> dict[str, str]:
    """cdk-nag rules acknowledged on the function's policy, with their reasons."""
    _, function = function_with(synth, handler)
    [policy_arn] = synth.resources[role_of(function)]["Properties"]["ManagedPolicyArns"]
    policy = synth.resources[next(iter(refs(policy_arn)))]
    return {r["id"]: r["reason"] for r in policy["Metadata"]["cdk_nag"]["rules_to_suppress"]}


def sender_identity(synth: Synth) -> str:
    return logical_id_at(synth, "/Notifications/NotificationChannels/SenderDomain/Resource")


# -- e-mail ------------------------------------------------------------------------------------------------


def test_the_senders_domain_is_an_ses_identity_whose_dkim_records_are_stack_outputs(regions: list[Synth]) -> None:
    for synth in regions:
        email_from = load_region(synth.region).region.notifications.email_from
        (identity,) = synth.of_type("AWS::SES::EmailIdentity").values()
        assert identity["Properties"]["EmailIdentity"] == email_from.split("@")[1]
        dkim = [o for o in synth.template["Outputs"].values() if "DKIM" in o.get("Description", "")]
        assert len(dkim) == 3
        assert all(sender_identity(synth) in refs(o["Value"]) for o in dkim)


def test_senders_may_send_email_only_through_that_identity_and_only_as_the_regions_address(
    everything: list[Synth],
) -> None:
    for synth in everything:
        email_from = load_region(synth.region).region.notifications.email_from
        for handler in SENDERS:
            send = statements_of(synth, handler)["SendEmailAsTheRegion"]
            assert as_list(send["Action"]) == ["ses:SendEmail"]
            assert refs(send["Resource"]) - {"AWS::Partition"} == {sender_identity(synth)}
            assert send["Condition"] == {"StringEquals": {"ses:FromAddress": email_from}}


# -- SMS, push, the directory ------------------------------------------------------------------------------


def test_senders_publish_sms_on_star_with_a_written_reason_and_look_up_users_in_the_region_pool(
    everything: list[Synth],
) -> None:
    for synth in everything:
        pool = logical_id_at(synth, "/Platform/Users/Resource")
        for handler in SENDERS:
            found = statements_of(synth, handler)
            assert (as_list(found["SendSmsAndPush"]["Action"]), found["SendSmsAndPush"]["Resource"]) == (
                ["sns:Publish"],
                "*",
            )
            lookup = found["FindRecipients"]
            assert as_list(lookup["Action"]) == ["cognito-idp:ListUsers"]
            assert lookup["Resource"] == {"Fn::GetAtt": [pool, "Arn"]}
            reason = acknowledged(synth, handler)["AwsSolutions-IAM5[Resource::*]"]
            assert "X-Ray" in reason and "phone number" in reason, reason


def test_without_push_applications_nobody_may_create_or_delete_endpoints(regions: list[Synth]) -> None:
    for synth in regions:
        assert load_region(synth.region).aws.push_applications == {}
        for handler in (*SENDERS, API):
            actions = set().union(*channel_actions(synth, handler).values())
            assert not actions & {"sns:CreatePlatformEndpoint", "sns:DeleteEndpoint"}, (synth.name, handler)
        assert json.loads(variables(synth, API)["JK_PUSH_APPLICATIONS"]) == {}


def test_with_push_applications_devices_are_managed_on_those_applications_only(probe: Synth) -> None:
    applications = sorted(PROBE_PUSH_APPLICATIONS.values())
    endpoints = sorted(a.replace(":app/", ":endpoint/") + "/*" for a in applications)
    api = statements_of(probe, API)
    assert (as_list(api["RegisterDevices"]["Action"]), sorted(api["RegisterDevices"]["Resource"])) == (
        ["sns:CreatePlatformEndpoint"],
        applications,
    )
    assert (as_list(api["RemoveDevices"]["Action"]), sorted(api["RemoveDevices"]["Resource"])) == (
        ["sns:DeleteEndpoint"],
        endpoints,
    )
    for handler in SENDERS:
        forget = statements_of(probe, handler)["ForgetDisabledDevices"]
        assert (as_list(forget["Action"]), sorted(forget["Resource"])) == (["sns:DeleteEndpoint"], endpoints)
        assert "sns:CreatePlatformEndpoint" not in set().union(*channel_actions(probe, handler).values())
    for handler in (*SENDERS, API):
        reasons = acknowledged(probe, handler)
        for pattern in endpoints:
            assert "endpoints of this platform application" in reasons[f"AwsSolutions-IAM5[Resource::{pattern}]"]


def test_only_these_functions_hold_channel_or_directory_rights_and_exactly_these(everything: list[Synth]) -> None:
    push = {"ForgetDisabledDevices": {"sns:DeleteEndpoint"}}
    sender = {
        "SendEmailAsTheRegion": {"ses:SendEmail"},
        "SendSmsAndPush": {"sns:Publish"},
        "FindRecipients": {"cognito-idp:ListUsers"},
    }
    for synth in everything:
        with_push = bool(load_region(synth.region).aws.push_applications) or synth.name == "probe"
        expected = {
            DELIVER: sender | (push if with_push else {}),
            HELD: sender | (push if with_push else {}),
            API: {"RegisterDevices": {"sns:CreatePlatformEndpoint"}, "RemoveDevices": {"sns:DeleteEndpoint"}}
            if with_push
            else {},
            # The plans consumer that starts a match's draft plan names its network from the directory.
            PLANS_FROM_MATCH: {"NamesOfTheNetwork": {"cognito-idp:ListUsers"}},
            PLANS_API: {"NamesOfTheNetwork": {"cognito-idp:ListUsers"}},
            # The 24/7 contact resolves the user names of rostered nurses and of the teams in the region file.
            VIDEO_API: {"NurseAndTeamUserIds": {"cognito-idp:ListUsers"}},
            VIDEO_QUEUE: {"NurseAndTeamUserIds": {"cognito-idp:ListUsers"}},
        }
        for logical_id, function in functions(synth).items():
            handler = function["Properties"]["Handler"]
            assert channel_actions(synth, function) == expected.get(handler, {}), (synth.name, logical_id)


def test_the_senders_are_told_the_user_pool_and_every_notifications_function_the_push_applications(
    everything: list[Synth],
) -> None:
    for synth in everything:
        pool = logical_id_at(synth, "/Platform/Users/Resource")
        wanted = PROBE_PUSH_APPLICATIONS if synth.name == "probe" else {}
        for handler in SENDERS:
            assert variables(synth, handler)["JK_USER_POOL_ID"] == {"Ref": pool}
        for handler in (*SENDERS, API):
            assert json.loads(variables(synth, handler)["JK_PUSH_APPLICATIONS"]) == wanted
        assert "JK_USER_POOL_ID" not in variables(synth, API)
        # Names of the network, accounts of family members; nurses' and teams' user ids.
        for directory_reader in (PLANS_FROM_MATCH, PLANS_API, VIDEO_API, VIDEO_QUEUE):
            assert variables(synth, directory_reader)["JK_USER_POOL_ID"] == {"Ref": pool}
            assert "JK_PUSH_APPLICATIONS" not in variables(synth, directory_reader)
        told_here = (*SENDERS, API, PLANS_FROM_MATCH, PLANS_API, VIDEO_API, VIDEO_QUEUE)
        others = [f for f in functions(synth).values() if f["Properties"]["Handler"] not in told_here]
        for function in others:
            told = set(function["Properties"]["Environment"]["Variables"])
            assert not {"JK_USER_POOL_ID", "JK_PUSH_APPLICATIONS"} & told, function["Properties"]["Handler"]


# -- alarm and dashboard -----------------------------------------------------------------------------------


def test_a_notification_that_fails_for_good_alarms_the_operators_within_five_minutes(everything: list[Synth]) -> None:
    for synth in everything:
        topic = logical_id_at(synth, "/Platform/Operators/Resource")
        [alarm] = [
            a["Properties"]
            for a in synth.of_type("AWS::CloudWatch::Alarm").values()
            if a["Properties"].get("MetricName") == "NotificationsFailed"
        ]
        # Where Powertools puts it: the functions' namespace, with the service name as the one dimension.
        _, deliver = function_with(synth, DELIVER)
        environment = deliver["Properties"]["Environment"]["Variables"]
        assert alarm["Namespace"] == environment["POWERTOOLS_METRICS_NAMESPACE"] == f"Jeugdketen/{synth.region}"
        assert alarm["Dimensions"] == [{"Name": "service", "Value": environment["POWERTOOLS_SERVICE_NAME"]}]
        assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 300, 1)
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["AlarmActions"] == [{"Ref": topic}]


def test_the_dashboard_shows_notifications_sent_and_failed(regions: list[Synth]) -> None:
    for synth in regions:
        (dashboard,) = synth.of_type("AWS::CloudWatch::Dashboard").values()
        body = json.dumps(dashboard["Properties"]["DashboardBody"])
        assert "notifications: business metrics" in body
        assert '\\"NotificationsSent\\"' in body and '\\"NotificationsFailed\\"' in body
