"""Push devices: a mobile app registers its push token; the service keeps an SNS platform endpoint for it."""

from __future__ import annotations

import hashlib
import uuid

from services.notifications.dal.tables import DeviceItem
from services.shared import clock
from services.shared.aws import client
from services.shared.errors import NotFound, ServiceUnavailable, Unprocessable
from services.shared.principal import Principal
from services.shared.settings import get_settings

PLATFORMS = ("apns", "fcm")
MAX_DEVICES = 10  # per user: phones and tablets; old ones drop off when their endpoint is disabled


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def devices_of(user_id: str) -> list[DeviceItem]:
    return [
        d for d in DeviceItem.query(f"USER#{user_id}", DeviceItem.sk.startswith("DEVICE#")) if isinstance(d, DeviceItem)
    ]


def register(principal: Principal, platform: str, token: str) -> tuple[DeviceItem, bool]:
    """Register (or find) the device with this token; returns it and whether it is new."""
    application = get_settings().push_applications.get(platform)
    if not application:
        raise Unprocessable(
            f"push through {platform} is not offered in this region",
            code="platform_unavailable",
            details={"field": "platform"},
        )
    existing = devices_of(principal.user_id)
    token_hash = _hash(token)
    for device in existing:
        if device.token_hash == token_hash and device.platform == platform:
            return device, False
    if len(existing) >= MAX_DEVICES:
        raise Unprocessable(
            f"at most {MAX_DEVICES} devices can receive push notifications; remove one first",
            code="too_many_devices",
        )
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        endpoint = client("sns").create_platform_endpoint(
            PlatformApplicationArn=application, Token=token, CustomUserData=principal.user_id
        )["EndpointArn"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("InvalidParameter", "InvalidParameterValue"):
            raise Unprocessable("the push token was refused", details={"field": "token"}) from error
        raise ServiceUnavailable("push registration is unavailable; try again later") from error
    except BotoCoreError as error:
        raise ServiceUnavailable("push registration is unavailable; try again later") from error
    device_id = f"dev-{uuid.uuid4().hex}"
    device = DeviceItem(
        f"USER#{principal.user_id}",
        f"DEVICE#{device_id}",
        device_id=device_id,
        platform=platform,
        token_hash=token_hash,
        endpoint_arn=endpoint,
        registered_at=clock.now().isoformat(),
    )
    device.save(condition=DeviceItem.pk.does_not_exist())
    return device, True


def remove(principal: Principal, device_id: str) -> None:
    from pynamodb.exceptions import DoesNotExist

    try:
        device = DeviceItem.get(f"USER#{principal.user_id}", f"DEVICE#{device_id}", consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such device of yours", code="device_not_found") from None
    if not isinstance(device, DeviceItem):
        raise NotFound("no such device of yours", code="device_not_found")
    forget_endpoint(device)


def forget_endpoint(device: DeviceItem) -> None:
    """Delete the SNS endpoint (idempotent on SNS) and the registration."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("sns").delete_endpoint(EndpointArn=device.endpoint_arn)
    except (ClientError, BotoCoreError) as error:
        raise ServiceUnavailable("the device could not be removed; try again later") from error
    device.delete()
