"""Who a recipient is and how to reach them: the region's user directory (Cognito), never the event.

Events carry user ids only. Contact details are looked up when a notification is sent, so a changed e-mail
address or phone number is used at once and no event, queue message or delivery record ever holds one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from services.shared.aws import client
from services.shared.region import RegionConfig
from services.shared.settings import get_settings

_SAFE_VALUE = re.compile(r"^[A-Za-z0-9@._:+-]{1,254}$")  # what may go between the quotes of a ListUsers filter


@dataclass(frozen=True)
class Recipient:
    id: str  # the user id (Cognito sub), or "matchregie:<CBS code>" for a municipality's mailbox
    email: str | None
    phone: str | None
    known: bool  # a user of the directory: has an inbox, preferences and devices
    for_matchregie: bool = False


def _attributes(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user.get("Attributes", [])}


def _find(attribute: str, value: str) -> dict[str, str] | None:
    if not _SAFE_VALUE.match(value):
        return None
    users = client("cognito-idp").list_users(
        UserPoolId=get_settings().user_pool_id, Filter=f'{attribute} = "{value}"', Limit=2
    )["Users"]
    enabled = [u for u in users if u.get("Enabled", True)]
    return _attributes(enabled[0]) if len(enabled) == 1 else None


def user(user_id: str) -> Recipient:
    """The user with this id; one the directory does not know (any more) keeps only an inbox."""
    found = _find("sub", user_id)
    if found is None:
        return Recipient(id=user_id, email=None, phone=None, known=False)
    return Recipient(id=user_id, email=found.get("email"), phone=found.get("phone_number"), known=True)


def matchregie(municipality: str, config: RegionConfig) -> Recipient | None:
    """The municipality's match follow-up officer from the region config: the directory user with that e-mail
    address (inbox and preferences), or else the address itself as a mailbox (e-mail only)."""
    contact = config.matchregie.get(municipality)
    if contact is None:
        return None
    found = _find("email", contact.email)
    if found is not None and found.get("sub"):
        return Recipient(
            id=found["sub"], email=found.get("email"), phone=found.get("phone_number"), known=True, for_matchregie=True
        )
    return Recipient(id=f"matchregie:{municipality}", email=contact.email, phone=None, known=False, for_matchregie=True)
