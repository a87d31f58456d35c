"""What each event becomes: the one declarative table of the notifications service.

A row per event type names the category (which decides the default channels and whether quiet hours
apply), the template, the link into the app (filled with the event's ids), the event fields a template may
show (ids, counts and dates only: checked by tests/unit/notifications/test_rules.py) and whether the
municipality's match follow-up officer (matchregie) is told as well. Adding another service's events is
adding rows here and templates in ``templates/<language>/`` - no new code path.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.logic.categories import CATEGORIES, EXTERNAL, Category, CategorySpec, Channel, urgent
from services.shared.contracts.plans import (
    PlanActionAssigned,
    PlanActionOverdue,
    PlanClosed,
    PlanConsentGiven,
    PlanConsentRevoked,
    PlanCoordinatorChanged,
    PlanEvaluationDue,
    PlanNetworkMemberAdded,
    PlanPhaseChanged,
    PlanStarted,
)
from services.shared.contracts.signals import (
    CoordinatorAssigned,
    HistoricalMatchFound,
    MatchFollowUpOverdue,
    MatchFound,
    MatchPartyAdded,
    SignalReviewDue,
)
from services.shared.contracts.video import (
    ContactAbandoned,
    ContactAccepted,
    ContactEnded,
    ContactHandover,
    ContactOffered,
    ContactRequested,
    ContactWaitingTooLong,
    VideoStarted,
)
from services.shared.events import EventData

__all__ = ["CATEGORIES", "EXTERNAL", "RULES", "Category", "CategorySpec", "Channel", "Rule", "rule_for", "urgent"]


@dataclass(frozen=True)
class Rule:
    category: Category
    template: str  # templates/<language>/<template>.j2
    link: str  # the app path, filled with the event's id fields, e.g. "/signals/matches/{match_id}"
    params: tuple[str, ...] = ()  # event fields the template may show: ids, counts and dates only
    recipients: str = "recipients"  # the event field holding the user ids to tell
    matchregie: bool = False  # also the matchregie officer of ``municipality`` when ``notify_matchregie`` is set


MATCH_LINK = "/signals/matches/{match_id}"
PLAN_LINK = "/plans/{plan_id}"  # actions, consents and the network are all seen on the plan
CONTACT_LINK = "/video/contacts/{contact_id}"  # the contact, and for the family's own team its handover summary

RULES: dict[type[EventData], Rule] = {
    MatchFound: Rule(Category.MATCH, "match_found", MATCH_LINK, matchregie=True),
    MatchPartyAdded: Rule(Category.MATCH, "match_party_added", MATCH_LINK, matchregie=True),
    HistoricalMatchFound: Rule(Category.MATCH, "historical_match", MATCH_LINK),
    CoordinatorAssigned: Rule(Category.MATCH, "coordinator_assigned", MATCH_LINK),
    MatchFollowUpOverdue: Rule(
        Category.FOLLOW_UP, "follow_up_overdue", MATCH_LINK, params=("due_at",), matchregie=True
    ),
    SignalReviewDue: Rule(
        Category.SIGNAL_REVIEW, "signal_review_due", "/signals/{signal_id}", params=("months", "removal_due")
    ),
    # The family plan: the messages say only that there is something to look at (never a phase, a kind of
    # member, an organisation or what an action is about) and link to the plan.
    PlanStarted: Rule(Category.PLAN, "plan_started", PLAN_LINK),
    PlanConsentGiven: Rule(Category.PLAN, "plan_consent_given", PLAN_LINK, params=("until",)),
    PlanConsentRevoked: Rule(Category.PLAN, "plan_consent_revoked", PLAN_LINK),
    PlanNetworkMemberAdded: Rule(Category.PLAN, "plan_network_member_added", PLAN_LINK),
    PlanCoordinatorChanged: Rule(Category.PLAN, "plan_coordinator_changed", PLAN_LINK),
    PlanActionAssigned: Rule(Category.PLAN, "plan_action_assigned", PLAN_LINK, params=("due_date",)),
    PlanActionOverdue: Rule(Category.PLAN, "plan_action_overdue", PLAN_LINK, params=("due_date",)),
    PlanEvaluationDue: Rule(Category.PLAN, "plan_evaluation_due", PLAN_LINK, params=("evaluation_date",)),
    PlanPhaseChanged: Rule(Category.PLAN, "plan_phase_changed", PLAN_LINK),
    PlanClosed: Rule(Category.PLAN, "plan_closed", PLAN_LINK, params=("retention_until",)),
    # 24/7 contact: the messages say only that a contact needs looking at and link to it; never its topic,
    # urgency, outcome, a referral or an organisation (each says something about the family).
    ContactRequested: Rule(Category.CONTACT, "contact_requested", CONTACT_LINK),  # the nurses on duty
    ContactOffered: Rule(Category.CONTACT, "contact_offered", CONTACT_LINK),  # the nurse: the offer lapses soon
    ContactWaitingTooLong: Rule(
        Category.CONTACT, "contact_waiting_too_long", CONTACT_LINK, params=("waited_seconds",)
    ),  # the nurses on duty and the team lead
    ContactAccepted: Rule(Category.CONTACT, "contact_accepted", CONTACT_LINK),  # the parent
    VideoStarted: Rule(Category.CONTACT, "video_started", CONTACT_LINK),  # the parent
    ContactEnded: Rule(Category.CONTACT, "contact_ended", CONTACT_LINK),  # the parent
    ContactAbandoned: Rule(Category.CONTACT, "contact_abandoned", CONTACT_LINK),  # the nurse it was offered to
    ContactHandover: Rule(Category.HANDOVER, "contact_handover", CONTACT_LINK),  # the family's own JGZ team
}


def rule_for(event_type: type[EventData]) -> Rule:
    return RULES[event_type]
