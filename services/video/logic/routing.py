"""Where a parent's contact goes, and which nurse is offered it. Pure rules: every instant and every state
comes in as an argument.

- **Routing**: during the region's office hours (per weekday, in the region's time zone, closed on the Dutch
  general holidays if the config says so) a contact goes to the family's own JGZ organisation (by the
  municipality); outside them to the out-of-hours partner; when nobody is on duty there for it, it overflows
  to the partner, and says so.
- **Assignment**: a contact is offered to an available nurse on duty at that organisation, with spare
  capacity (never above the region's maximum) and the contact's language, the one idle longest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from services.shared.holidays import public_holidays
from services.shared.region import Contact247, Weekday

WEEKDAYS = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI, Weekday.SAT, Weekday.SUN)
Reason = Literal["office_hours", "out_of_hours", "overflow"]


def within_office_hours(at: datetime, config: Contact247) -> bool:
    if at.utcoffset() is None:
        raise ValueError("at must be an aware datetime")
    hours = config.office_hours
    local = at.astimezone(ZoneInfo(hours.timezone))
    if hours.closed_on_public_holidays and local.date() in public_holidays(local.year):
        return False
    opening = hours.days.get(WEEKDAYS[local.weekday()])
    if opening is None:
        return False
    now = local.time().replace(tzinfo=None)
    return opening.opens <= now < opening.closes


@dataclass(frozen=True)
class Route:
    organization: str
    reason: Reason


def route(at: datetime, municipality: str, config: Contact247, on_duty: Iterable[str]) -> Route:
    """The organisation for a contact from ``municipality`` at ``at``; ``on_duty``: organisations with a
    nurse on duty for this contact (roster, channel and language) right now."""
    staffed = set(on_duty)
    own = config.own_organisation.get(municipality)
    if own is not None and within_office_hours(at, config):
        if own in staffed:
            return Route(own, "office_hours")
        return Route(config.out_of_hours_partner, "overflow")
    return Route(config.out_of_hours_partner, "out_of_hours")


@dataclass(frozen=True)
class Nurse:
    user_id: str
    organization: str
    available: bool
    on_duty: bool
    languages: frozenset[str]
    capacity: int
    active: int  # contacts they have now
    idle_since: datetime


def spare(nurse: Nurse, region_max: int) -> int:
    return max(0, min(nurse.capacity, region_max) - nurse.active)


def pick(nurses: Iterable[Nurse], organization: str, language: str, region_max: int) -> Nurse | None:
    """The nurse to offer the contact to, or None: available, on duty at ``organization``, speaking
    ``language``, with spare capacity; the one idle longest first (ties: by user id, so it is deterministic)."""
    fit = [
        n
        for n in nurses
        if n.organization == organization
        and n.available
        and n.on_duty
        and language in n.languages
        and spare(n, region_max) > 0
    ]
    return min(fit, key=lambda n: (n.idle_since, n.user_id)) if fit else None
