"""Sending on the external channels: e-mail through SESv2, SMS through SNS, push through SNS platform
endpoints. Each send raises ``Permanent`` when retrying cannot help (a rejected address, a disabled
endpoint) and ``Transient`` otherwise (throttling, an outage, a configuration error an operator can fix;
such messages are retried through the queue and end in its DLQ)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from services.notifications.logic.render import Rendered
from services.shared.aws import client

T = TypeVar("T")

# Error codes that say "this address or endpoint will not work", whatever we retry.
PERMANENT_CODES = frozenset(
    {
        "MessageRejected",
        "BadRequestException",
        "InvalidParameter",
        "InvalidParameterValue",
        "InvalidParameterException",
        "MailFromDomainNotVerifiedException",
        "EndpointDisabled",
        "EndpointDisabledException",
        "NotFound",
        "NotFoundException",
    }
)


class SendFailure(Exception):
    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(f"{reason} ({code})" if code else reason)
        self.reason = reason
        self.code = code


class Permanent(SendFailure):
    """Retrying cannot help: the delivery is marked failed at once."""


class Transient(SendFailure):
    """Worth retrying: the queue brings the event back later."""


def _call(send: Callable[[], T]) -> T:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return send()
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", "Unknown"))
        if code in PERMANENT_CODES:
            raise Permanent("rejected", code) from error
        raise Transient("error", code) from error
    except BotoCoreError as error:
        raise Transient("unreachable", type(error).__name__) from error


def send_email(to: str, message: Rendered, sender: str) -> str:
    content = {
        "Simple": {
            "Subject": {"Data": message.subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": message.text, "Charset": "UTF-8"},
                "Html": {"Data": message.html, "Charset": "UTF-8"},
            },
        }
    }
    response = _call(
        lambda: client("sesv2").send_email(FromEmailAddress=sender, Destination={"ToAddresses": [to]}, Content=content)
    )
    return str(response["MessageId"])


def send_sms(phone: str, message: Rendered, sender_id: str) -> str:
    attributes = {
        "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": sender_id},
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
    }
    response = _call(
        lambda: client("sns").publish(PhoneNumber=phone, Message=message.short, MessageAttributes=attributes)
    )
    return str(response["MessageId"])


def push_payload(message: Rendered, path: str) -> str:
    """The SNS message for every platform: a title (the subject) and the app path; nothing else."""
    apns = {"aps": {"alert": {"title": message.subject}, "sound": "default"}, "link": path}
    fcm = {"notification": {"title": message.subject}, "data": {"link": path}}
    return json.dumps(
        {"default": message.subject, "APNS": json.dumps(apns), "APNS_SANDBOX": json.dumps(apns), "GCM": json.dumps(fcm)}
    )


def send_push(endpoint_arn: str, message: Rendered, path: str) -> str:
    payload = push_payload(message, path)
    response: dict[str, Any] = _call(
        lambda: client("sns").publish(TargetArn=endpoint_arn, Message=payload, MessageStructure="json")
    )
    return str(response["MessageId"])
