"""What a developer notices about notifications on the local host: the region's sender may send, what was sent
is read back with the command the ready block prints, push devices have applications to register with, and
the demo matchregie officer is the directory user behind the municipality's matchregie address."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import uuid
from typing import Any

import pytest

from infra.config import load_region
from infra.local.banner import outbox_command
from services.shared.consumer import MAX_RECEIVES
from tests.e2e.conftest import RunningHost

pytestmark = pytest.mark.e2e


def outbox(host: RunningHost) -> dict[str, list[dict[str, Any]]]:
    """The e-mails and SMS sent so far, by running the ready block's command in a shell."""
    command = outbox_command(host.info["moto_url"])
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    found: dict[str, list[dict[str, Any]]] = json.loads(result.stdout)
    return found


@pytest.mark.skipif(shutil.which("curl") is None, reason="the documented command uses curl")
def test_an_email_from_the_region_sender_and_an_sms_are_read_back_with_the_printed_command(host: RunningHost) -> None:
    assert outbox_command(host.info["moto_url"]) in host.log_path.read_text(errors="replace")  # as printed
    subject = f"Test {uuid.uuid4().hex[:8]}"
    email_id = host.aws("sesv2").send_email(
        FromEmailAddress=host.info["email_from"],  # accepted: the host verified the sender's domain
        Destination={"ToAddresses": ["anna.jgz@groningen.demo.jeugdketen.nl"]},
        Content={
            "Simple": {
                "Subject": {"Data": subject},
                "Body": {"Text": {"Data": "tekst"}, "Html": {"Data": "<p>html</p>"}},
            }
        },
    )["MessageId"]
    sms_id = host.aws("sns").publish(PhoneNumber="+31600000042", Message=subject)["MessageId"]

    sent = outbox(host)
    [email] = [m for m in sent["emails"] if m["id"] == email_id]
    assert email["source"] == host.info["email_from"] and email["subject"] == subject
    assert email["destinations"] == {"ToAddresses": ["anna.jgz@groningen.demo.jeugdketen.nl"]}
    assert email["body"] == "<p>html</p>"
    [sms] = [m for m in sent["sms"] if m["message_id"] == sms_id]
    assert (sms["phone_number"], sms["message"]) == ("+31600000042", subject)


def test_an_address_outside_the_senders_domain_is_refused_as_on_aws(host: RunningHost) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as refused:
        host.aws("sesv2").send_email(
            FromEmailAddress="someone@example.org",
            Destination={"ToAddresses": ["anna.jgz@groningen.demo.jeugdketen.nl"]},
            Content={"Simple": {"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "x"}}}},
        )
    assert refused.value.response["Error"]["Code"] == "MessageRejected"


def test_both_push_platforms_have_an_application_that_accepts_device_endpoints(host: RunningHost) -> None:
    sns = host.aws("sns")
    applications = host.info["push_applications"]
    assert set(applications) == {"apns", "fcm"}
    listed = {a["PlatformApplicationArn"] for a in sns.list_platform_applications()["PlatformApplications"]}
    assert set(applications.values()) <= listed
    assert ":app/APNS_SANDBOX/" in applications["apns"] and ":app/GCM/" in applications["fcm"]
    endpoint = sns.create_platform_endpoint(PlatformApplicationArn=applications["fcm"], Token=uuid.uuid4().hex)
    sns.delete_endpoint(EndpointArn=endpoint["EndpointArn"])


def test_the_matchregie_officer_signs_in_with_his_municipalitys_matchregie_address(host: RunningHost) -> None:
    payload = host.token("dirk.gemeente").split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    contacts = load_region("groningen").region.matchregie
    assert claims["email"] == contacts[claims["custom:municipality"]].email


def test_every_subscription_queue_moves_a_message_to_its_dlq_after_max_receives(host: RunningHost) -> None:
    sqs = host.aws("sqs")
    for name, queue in host.info["queues"].items():
        attributes = sqs.get_queue_attributes(QueueUrl=queue["url"], AttributeNames=["RedrivePolicy"])["Attributes"]
        policy = json.loads(attributes["RedrivePolicy"])
        dlq_arn = sqs.get_queue_attributes(QueueUrl=queue["dlq_url"], AttributeNames=["QueueArn"])["Attributes"]
        assert policy == {"deadLetterTargetArn": dlq_arn["QueueArn"], "maxReceiveCount": MAX_RECEIVES}, name


def test_the_readme_documents_the_command_the_ready_block_prints() -> None:
    from infra.config import ROOT
    from infra.local.banner import OUTBOX_FILTER

    readme = (ROOT / "README.md").read_text()
    assert "curl -s http://127.0.0.1:4566/moto-api/data.json \\\n" in readme
    assert f"  | python3 -c '{OUTBOX_FILTER}'\n" in readme
