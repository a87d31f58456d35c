"""Who a recipient is and how to reach them: the region's user directory (Cognito), never the event.

Events carry user ids only. Contact details are looked up when a notification is sent, so a changed e-mail
address or phone number is used at once and no event, queue message or delivery record ever holds one.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.shared.directory import find_user
from services.shared.region import RegionConfig


@dataclass(frozen=True)
class Recipient:
    id: str  # the user id (Cognito sub), or "matchregie:<CBS code>" for a municipality's mailbox
    email: str | None
    phone: str | None
    known: bool  # a user of the directory: has an inbox, preferences and devices
    for_matchregie: bool = False


def user(user_id: str) -> Recipient:
    """The user with this id; one the directory does not know (any more) keeps only an inbox."""
    found = find_user("sub", user_id)
    if found is None:
        return Recipient(id=user_id, email=None, phone=None, known=False)
    return Recipient(id=user_id, email=found.get("email"), phone=found.get("phone_number"), known=True)


def matchregie(municipality: str, config: RegionConfig) -> Recipient | None:
    """The municipality's match follow-up officer from the region config: the directory user with that e-mail
    address (inbox and preferences), or else the address itself as a mailbox (e-mail only)."""
    contact = config.matchregie.get(municipality)
    if contact is None:
        return None
    found = find_user("email", contact.email)
    if found is not None and found.get("sub"):
        return Recipient(
            id=found["sub"], email=found.get("email"), phone=found.get("phone_number"), known=True, for_matchregie=True
        )
    return Recipient(id=f"matchregie:{municipality}", email=contact.email, phone=None, known=False, for_matchregie=True)
