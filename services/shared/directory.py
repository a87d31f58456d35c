"""The region's user directory (Cognito): a user's attributes by id or e-mail address, read when needed, so
events and queues never carry contact details. Needs ``cognito-idp:ListUsers`` on the region's pool."""

from __future__ import annotations

import re
from typing import Any

from services.shared.aws import client
from services.shared.settings import get_settings

_SAFE_VALUE = re.compile(r"^[A-Za-z0-9@._:+-]{1,254}$")  # what may go between the quotes of a ListUsers filter


def _attributes(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user.get("Attributes", [])}


def find_user(attribute: str, value: str) -> dict[str, str] | None:
    """The attributes of the one enabled user whose ``attribute`` (``sub``, ``email``) is ``value``, or None."""
    if not _SAFE_VALUE.match(value):
        return None
    users = client("cognito-idp").list_users(
        UserPoolId=get_settings().user_pool_id, Filter=f'{attribute} = "{value}"', Limit=2
    )["Users"]
    enabled = [u for u in users if u.get("Enabled", True)]
    return _attributes(enabled[0]) if len(enabled) == 1 else None
