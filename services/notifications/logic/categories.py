"""Channels and categories: what a recipient chooses per category, and which categories are urgent.

Apart from ``rules.py`` (which imports every event contract it maps) so the API's preference models can
name the categories without building the event models on a cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    INBOX = "inbox"  # always: the in-app inbox
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


EXTERNAL = (Channel.EMAIL, Channel.SMS, Channel.PUSH)  # the channels a recipient chooses, and quiet hours hold


class Category(StrEnum):
    MATCH = "match"  # a match, a party joining it, a historical match notice, coordination taken
    FOLLOW_UP = "follow_up"  # a match's follow-up is overdue
    SIGNAL_REVIEW = "signal_review"  # is the risk behind your signal still there?
    PLAN = "plan"  # a family plan: started, consent, network, coordination, actions, evaluation, phase, closed
    CONTACT = "contact"  # a 24/7 contact needs you (waiting, offered, waiting too long) or, to the parent, moves on
    HANDOVER = "handover"  # a 24/7 contact handed over to the family's own JGZ team


@dataclass(frozen=True)
class CategorySpec:
    urgent: bool  # urgent categories ignore quiet hours
    default_channels: frozenset[Channel]  # besides the inbox, until the recipient chooses


CATEGORIES: dict[Category, CategorySpec] = {
    Category.MATCH: CategorySpec(urgent=False, default_channels=frozenset({Channel.EMAIL, Channel.PUSH})),
    Category.FOLLOW_UP: CategorySpec(
        urgent=True, default_channels=frozenset({Channel.EMAIL, Channel.SMS, Channel.PUSH})
    ),
    Category.SIGNAL_REVIEW: CategorySpec(urgent=False, default_channels=frozenset({Channel.EMAIL})),
    # Not urgent, an overdue action included: the plan's own agreements and the people around the family carry
    # it; nothing here needs anyone woken or a quiet evening broken (an overdue match follow-up may).
    Category.PLAN: CategorySpec(urgent=False, default_channels=frozenset({Channel.EMAIL, Channel.PUSH})),
    # Urgent: a parent waiting at 3 a.m. does not wait for anyone's quiet hours. Push and SMS, not e-mail: an offer
    # lapses within minutes and the nurse must notice it now; a mail read later helps nobody (SMS can be turned off).
    Category.CONTACT: CategorySpec(urgent=True, default_channels=frozenset({Channel.SMS, Channel.PUSH})),
    # Not urgent: the family's own team reads a handover in the morning; the inbox item is there at once, e-mail
    # and push wait for the end of quiet hours.
    Category.HANDOVER: CategorySpec(urgent=False, default_channels=frozenset({Channel.EMAIL, Channel.PUSH})),
}


def urgent(category: Category) -> bool:
    return CATEGORIES[category].urgent
