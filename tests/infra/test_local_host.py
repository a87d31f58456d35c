"""The local host plays the AWS parts of the 24/7 contact that moto lacks: the functions meet on the local meeting
provider (no media), a subscription on the account's default bus gets its rule on moto's default bus with the
manifest's pattern, and the ticker runs the video queue's sweeper at least every minute of host time.

Provisioning runs in-process against ``mock_aws``: no handler is imported, no host is started."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from infra.config import load_region
from infra.local.__main__ import parser
from infra.local.host import HostOptions, shortest_schedule_seconds
from infra.local.provision import Provisioned, Provisioner
from services.shared.manifest import EventBusName, load_manifests
from services.shared.settings_model import Settings
from services.video.manifest import MANIFEST as VIDEO

ACCOUNT = "123456789012"


@pytest.fixture
def provisioned(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Provisioned, Any]]:
    """The video service provisioned into moto, and a client factory on that moto."""
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    deployment = load_region("groningen")
    with mock_aws():
        import boto3

        def client(name: str) -> Any:
            return boto3.client(name, region_name=deployment.aws.region)

        yield (
            Provisioner(
                client,
                region=deployment.name,
                aws_region=deployment.aws.region,
                account=ACCOUNT,
                manifests=[VIDEO],
                region_config_json=deployment.ssm_value(),
                config_parameter=deployment.config_parameter_name,
                signal_guide_json=deployment.signal_guide_ssm_value(),
                signal_guide_parameter=deployment.signal_guide_parameter_name,
                email_from=deployment.region.notifications.email_from,
                visibility_timeout=1,
            ).provision(),
            client,
        )


def chime_event(event_type: str) -> dict[str, str]:
    detail = {
        "version": "0",
        "eventType": event_type,
        "meetingId": "6f2b0c1e-3d4a-4b5c-8d9e-0f1a2b3c4d5e",
        "externalMeetingId": "contact-1",
        "mediaRegion": "eu-central-1",
    }
    return {"Source": "aws.chime", "DetailType": "Chime Meeting State Change", "Detail": json.dumps(detail)}


def test_every_hosted_function_meets_on_the_local_provider(
    provisioned: tuple[Provisioned, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    region, _ = provisioned
    environment = region.environment()
    assert environment["JK_MEETING_PROVIDER"] == "local"
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # type: ignore[call-arg]  # as a hosted function reads them
    assert settings.meeting_provider == "local"
    assert settings.meeting_media_region.startswith("eu-")


def test_a_meeting_that_ends_on_the_default_bus_lands_in_the_meeting_events_queue(
    provisioned: tuple[Provisioned, Any],
) -> None:
    region, client = provisioned
    [subscribed] = [s for s in region.subscriptions if s.function.name == "video-meeting-events"]
    assert subscribed.function.subscription is not None
    assert subscribed.function.subscription.bus is EventBusName.DEFAULT
    assert subscribed.bus == "default"
    events, sqs = client("events"), client("sqs")
    rule = events.describe_rule(Name=subscribed.rule, EventBusName="default")
    assert json.loads(rule["EventPattern"]) == subscribed.function.subscription.event_pattern()
    # A Chime SDK meeting state change, as AWS puts it on the account's default bus; only MeetingEnded is wanted.
    events.put_events(Entries=[chime_event("chime:AttendeeJoined"), chime_event("chime:MeetingEnded")])
    messages = sqs.receive_message(QueueUrl=subscribed.queue.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    bodies = [json.loads(m["Body"]) for m in messages.get("Messages", [])]
    assert [(b["source"], b["detail-type"], b["detail"]["eventType"]) for b in bodies] == [
        ("aws.chime", "Chime Meeting State Change", "chime:MeetingEnded")
    ]
    assert bodies[0]["detail"]["externalMeetingId"] == "contact-1"


def test_the_ticker_runs_every_sweeper_at_least_every_minute_of_host_time_by_default() -> None:
    shortest = shortest_schedule_seconds(load_manifests())
    assert shortest == 60  # the video queue: offers, service levels and queue metrics every minute
    assert [s.rate_minutes for s in VIDEO.schedules] == [1]
    assert HostOptions().tick_seconds <= shortest
    assert parser().parse_args(["run"]).tick_seconds <= shortest
