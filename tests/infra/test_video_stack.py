"""The video service's 24/7 contact on AWS: only its API and its queue sweeper may hold Chime SDK meetings, and only
this account's meetings in the region; a meeting's end on the account's default bus reaches its consumer; the
functions that resolve nurses' and teams' user names may search the region's pool; operators see the waiting
parents per organisation and are woken when one waits longer than the region allows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import load_region
from infra.constructs.video import organisations_taking_contacts
from services.shared.settings_model import Settings
from services.video.manifest import MEETING_ENDED_PATTERN
from tests.infra.conftest import Synth
from tests.infra.helpers import as_list, functions, logical_id_at, policy_documents, refs, role_of, statements, target

pytestmark = pytest.mark.infra

API = "services.video.handlers.api.handler"
QUEUE = "services.video.handlers.sweeper.handler"  # video-queue: offers, service levels, queue metrics
MEETING_EVENTS = "services.video.handlers.meeting_events.handler"
MEETING_HOSTS = (API, QUEUE)
MEETING_ACTIONS = {"chime:CreateAttendee", "chime:GetAttendee", "chime:GetMeeting", "chime:DeleteMeeting"}


def function_with(synth: Synth, handler: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, function)] = [(k, f) for k, f in functions(synth).items() if f["Properties"]["Handler"] == handler]
    return logical_id, function


def statements_of(synth: Synth, function: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", ""): s for s in statements(policy_documents(synth, role_of(function)))}


def chime_statements(synth: Synth, function: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        sid: s
        for sid, s in statements_of(synth, function).items()
        if any(a.startswith("chime:") for a in as_list(s["Action"]))
    }


def variables(function: dict[str, Any]) -> dict[str, Any]:
    return dict(function["Properties"]["Environment"]["Variables"])


def acknowledged(synth: Synth, function: dict[str, Any]) -> dict[str, str]:
    [policy_arn] = synth.resources[role_of(function)]["Properties"]["ManagedPolicyArns"]
    policy = synth.resources[next(iter(refs(policy_arn)))]
    return {r["id"]: r["reason"] for r in policy["Metadata"]["cdk_nag"]["rules_to_suppress"]}


def dashboard_widgets(synth: Synth) -> list[dict[str, Any]]:
    """The dashboard's widgets, with every CloudFormation reference in the body read as the string ``TOKEN``."""
    (dashboard,) = synth.of_type("AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    return list(json.loads("".join(p if isinstance(p, str) else "TOKEN" for p in parts))["widgets"])


def metric_lines(widget: dict[str, Any]) -> list[tuple[str, str, dict[str, str], dict[str, Any]]]:
    """(namespace, metric, dimensions, options) of each metric line of a graph (math expressions left out)."""
    lines = []
    for line in widget["properties"]["metrics"]:
        if isinstance(line[0], dict):
            continue
        *names, options = line if isinstance(line[-1], dict) else [*line, {}]
        namespace, metric, *pairs = names
        lines.append((namespace, metric, dict(zip(pairs[::2], pairs[1::2], strict=True)), options))
    return lines


def video_lines(widget: dict[str, Any], *, namespace: str) -> set[tuple[str, str, str, int]]:
    """(metric, organisation, statistic, period) of a graph's lines, each a video metric of the region."""
    found = set()
    for ns, metric, dimensions, options in metric_lines(widget):
        assert ns == namespace and dimensions["service"] == "video", (ns, dimensions)
        found.add((metric, dimensions["organization"], options["stat"], options["period"]))
    return found


# -- Chime SDK meetings ------------------------------------------------------------------------------------


def test_only_the_api_and_the_queue_sweeper_may_use_chime_meetings(everything: list[Synth]) -> None:
    for synth in everything:
        holders = {
            f["Properties"]["Handler"]: set().union(*(set(as_list(s["Action"])) for s in found.values()))
            for f in functions(synth).values()
            if (found := chime_statements(synth, f))
        }
        expected = {"chime:CreateMeeting", *MEETING_ACTIONS}
        assert holders == {API: expected, QUEUE: expected}, synth.name  # not video-meeting-events, nobody else


def test_a_meeting_is_created_only_through_the_regions_endpoint_and_used_only_if_it_is_this_accounts(
    everything: list[Synth],
) -> None:
    for synth in everything:
        aws = load_region(synth.region).aws
        for handler in MEETING_HOSTS:
            found = chime_statements(synth, function_with(synth, handler)[1])
            assert set(found) == {"CreateContactMeetings", "RunContactMeetings"}
            create = found["CreateContactMeetings"]
            # CreateMeeting has no resource type (Service Authorization Reference): '*', held to the region.
            assert (as_list(create["Action"]), create["Resource"]) == (["chime:CreateMeeting"], "*")
            assert create["Condition"] == {"StringEquals": {"aws:RequestedRegion": aws.region}}
            run = found["RunContactMeetings"]
            assert set(as_list(run["Action"])) == MEETING_ACTIONS
            assert run["Resource"] == {
                "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":chime:{aws.region}:{aws.account}:meeting/*"]]
            }
            assert "Condition" not in run


def test_both_meeting_wildcards_are_acknowledged_with_their_own_reason(everything: list[Synth]) -> None:
    for synth in everything:
        aws = load_region(synth.region).aws
        meetings = f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:{aws.region}:{aws.account}:meeting/*]"
        for handler in MEETING_HOSTS:
            reasons = acknowledged(synth, function_with(synth, handler)[1])
            assert "CreateMeeting has no resource type" in reasons["AwsSolutions-IAM5[Resource::*]"]
            assert "meetings of this account in this region" in reasons[meetings]
        assert not [r for r in acknowledged(synth, function_with(synth, MEETING_EVENTS)[1]) if ":chime:" in r]


def test_the_meeting_hosts_are_told_the_eu_media_region_and_nobody_else_is(everything: list[Synth]) -> None:
    default = Settings.model_fields["meeting_media_region"].default  # the region file has no field for it
    for synth in everything:
        for function in functions(synth).values():
            told = variables(function)
            assert "JK_MEETING_PROVIDER" not in told  # on AWS always the Chime SDK (the settings' default)
            if function["Properties"]["Handler"] in MEETING_HOSTS:
                assert told["JK_MEETING_MEDIA_REGION"] == default and default.startswith("eu-")
            else:
                assert "JK_MEETING_MEDIA_REGION" not in told, function["Properties"]["Handler"]


# -- the meeting's end, from the default bus -----------------------------------------------------------------


def test_a_meeting_that_ends_reaches_the_meeting_events_consumer_from_the_default_bus(regions: list[Synth]) -> None:
    for synth in regions:
        rules = [r["Properties"] for r in synth.of_type("AWS::Events::Rule").values()]
        [rule] = [r for r in rules if r.get("EventBusName") == "default"]  # the only rule on the account's bus
        assert rule["EventPattern"] == MEETING_ENDED_PATTERN
        assert rule["EventPattern"]["detail"] == {"eventType": ["chime:MeetingEnded"]}
        (rule_target,) = rule["Targets"]
        queue = target(rule_target["Arn"])
        assert target(rule_target["DeadLetterConfig"]["Arn"]) == logical_id_at(
            synth, "/Platform/UndeliveredEvents/Resource"
        )
        consumer_id, consumer = function_with(synth, MEETING_EVENTS)
        [mapping] = [
            m["Properties"]
            for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
            if consumer_id in refs(m["Properties"]["FunctionName"])
        ]
        assert target(mapping["EventSourceArn"]) == queue
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        # The consumer reads its queue and writes its own table; it calls nothing of Chime's.
        assert chime_statements(synth, consumer) == {}


# -- the directory --------------------------------------------------------------------------------------------


def test_the_meeting_hosts_may_look_up_user_ids_in_the_regions_pool(everything: list[Synth]) -> None:
    for synth in everything:
        pool = logical_id_at(synth, "/Platform/Users/Resource")
        for handler in MEETING_HOSTS:
            function = function_with(synth, handler)[1]
            lookup = statements_of(synth, function)["NurseAndTeamUserIds"]
            assert (as_list(lookup["Action"]), lookup["Resource"]) == (
                ["cognito-idp:ListUsers"],
                {"Fn::GetAtt": [pool, "Arn"]},
            )
            assert variables(function)["JK_USER_POOL_ID"] == {"Ref": pool}
        assert "JK_USER_POOL_ID" not in variables(function_with(synth, MEETING_EVENTS)[1])


def test_the_queue_sweeper_runs_every_minute(regions: list[Synth]) -> None:
    for synth in regions:
        sweeper_id, _ = function_with(synth, QUEUE)
        [schedule] = [
            r["Properties"]
            for r in synth.of_type("AWS::Events::Rule").values()
            if "ScheduleExpression" in r["Properties"] and sweeper_id in refs(r["Properties"]["Targets"])
        ]
        assert schedule["ScheduleExpression"] == "rate(1 minute)"


# -- alarms and the dashboard ---------------------------------------------------------------------------------


def test_every_organisation_taking_contacts_has_a_long_wait_alarm_for_the_operators(regions: list[Synth]) -> None:
    for synth in regions:
        config = load_region(synth.region).region
        contact = config.contact_247
        wanted = {*contact.own_organisation.values(), contact.out_of_hours_partner}
        assert {o.id for o in organisations_taking_contacts(config)} == wanted
        topic = logical_id_at(synth, "/Platform/Operators/Resource")
        environment = variables(function_with(synth, QUEUE)[1])
        alarms = [
            a["Properties"]
            for a in synth.of_type("AWS::CloudWatch::Alarm").values()
            if a["Properties"].get("MetricName") == "LongestWaitSeconds"
        ]
        by_organisation = {
            d["Value"]: alarm for alarm in alarms for d in alarm["Dimensions"] if d["Name"] == "organization"
        }
        assert len(alarms) == len(by_organisation) and set(by_organisation) == wanted
        for org_id, alarm in by_organisation.items():
            # Where Powertools puts it: the functions' namespace, their service name and the organisation.
            assert alarm["Namespace"] == environment["POWERTOOLS_METRICS_NAMESPACE"] == f"Jeugdketen/{synth.region}"
            assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
                "service": environment["POWERTOOLS_SERVICE_NAME"],
                "organization": org_id,
            }
            assert (alarm["Statistic"], alarm["Period"]) == ("Maximum", 60)
            assert alarm["EvaluationPeriods"] == 2 and alarm.get("DatapointsToAlarm", 2) == 2  # 2 minutes in a row
            assert (alarm["ComparisonOperator"], alarm["Threshold"]) == (
                "GreaterThanThreshold",
                contact.service_levels.max_wait_seconds,
            )
            assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": topic}]
            organisation = config.organisation(org_id)
            assert organisation is not None
            description = alarm["AlarmDescription"]
            assert organisation.name in description and org_id in description
            assert "roster" in description and "presence of the nurses on duty" in description
            assert len(description) <= 1024


def test_the_dashboard_has_a_24_7_contact_row_with_each_organisations_queue(regions: list[Synth]) -> None:
    for synth in regions:
        config = load_region(synth.region).region
        organisations = [o.id for o in organisations_taking_contacts(config)]
        widgets = dashboard_widgets(synth)
        [heading] = [i for i, w in enumerate(widgets) if w["properties"].get("markdown") == "### 24/7 contact"]
        row = widgets[heading + 1 : heading + 5]
        assert len({w["y"] for w in row}) == 1 and row[0]["y"] == widgets[heading]["y"] + 1  # one row, under it
        titles = [w["properties"]["title"] for w in row]
        assert titles == [
            "24/7 contact: parents waiting now",
            "24/7 contact: longest wait (s)",
            "24/7 contact: answered within the target time (% per hour)",
            "24/7 contact: answered, abandoned and waited too long (per hour)",
        ]
        waiting, longest, within_target, outcomes = row
        namespace = f"Jeugdketen/{synth.region}"
        assert video_lines(waiting, namespace=namespace) == {
            ("ContactsWaiting", o, "Maximum", 60) for o in organisations
        }
        assert video_lines(longest, namespace=namespace) == {
            ("LongestWaitSeconds", o, "Maximum", 60) for o in organisations
        }
        [annotation] = longest["properties"]["annotations"]["horizontal"]
        assert annotation["value"] == config.contact_247.service_levels.max_wait_seconds
        assert video_lines(outcomes, namespace=namespace) == {
            (metric, o, "Sum", 3600)
            for o in organisations
            for metric in ("ContactsAnswered", "ContactsAbandoned", "ContactsWaitingTooLong")
        }
        # 100 * within / answered per organisation, each over that organisation's own two sums.
        expressions = [
            line[0]["expression"] for line in within_target["properties"]["metrics"] if isinstance(line[0], dict)
        ]
        assert expressions == [f"100 * within{i} / answered{i}" for i in range(len(organisations))]
        ids = {
            options["id"]: (metric, dimensions["organization"], options["stat"], options.get("visible"))
            for _, metric, dimensions, options in metric_lines(within_target)
        }
        assert ids == {
            **{f"within{i}": ("ContactsAnsweredWithinTarget", o, "Sum", False) for i, o in enumerate(organisations)},
            **{f"answered{i}": ("ContactsAnswered", o, "Sum", False) for i, o in enumerate(organisations)},
        }
        assert within_target["properties"]["yAxis"]["left"] == {"min": 0, "max": 100, "showUnits": False}
