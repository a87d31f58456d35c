"""The mapping table: every row points at real templates, real fields, and shows only ids, counts and dates."""

from __future__ import annotations

import string
import types
import typing
from datetime import date, datetime
from typing import Any

import pytest

from services.notifications.logic.render import BLOCKS, LANGUAGES, TEMPLATES, environment, template_names
from services.notifications.logic.rules import CATEGORIES, EXTERNAL, RULES, Category, Channel
from services.shared.contracts import plans, signals, video
from services.shared.events import EventData

ROWS = sorted(RULES.items(), key=lambda row: row[0].__name__)


def _fields(event_type: type[EventData]) -> dict[str, object]:
    return typing.get_type_hints(event_type)


def _bare(kind: object) -> object:
    """``X | None`` is ``X`` to a template: it shows the value only when there is one."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return kind


def test_the_signals_events_of_the_issue_each_have_a_row() -> None:
    wanted = {
        signals.MatchFound,
        signals.MatchPartyAdded,
        signals.HistoricalMatchFound,
        signals.CoordinatorAssigned,
        signals.MatchFollowUpOverdue,
        signals.SignalReviewDue,
    }
    assert wanted <= set(RULES)


def test_the_plans_events_each_have_a_row_in_the_plan_category_without_matchregie() -> None:
    assert set(plans.CONTRACTS) <= set(RULES)
    for event_type in plans.CONTRACTS:
        rule = RULES[event_type]
        assert rule.category is Category.PLAN and not rule.matchregie, event_type.__name__
        assert rule.link == "/plans/{plan_id}", event_type.__name__


def test_the_video_events_each_have_a_row_linking_to_the_contact_without_matchregie() -> None:
    assert set(video.CONTRACTS) <= set(RULES)
    for event_type in video.CONTRACTS:
        rule = RULES[event_type]
        wanted = Category.HANDOVER if event_type is video.ContactHandover else Category.CONTACT
        assert rule.category is wanted and not rule.matchregie, event_type.__name__
        assert rule.link == "/video/contacts/{contact_id}", event_type.__name__


def test_no_video_message_may_show_what_the_contact_was_about_or_where_it_went() -> None:
    # Beyond the type check below: these say something about the family, whatever their type becomes.
    about_the_family = {"topic", "outcome", "referral_to", "organization", "urgency", "reason", "channel"}
    for event_type in video.CONTRACTS:
        assert not set(RULES[event_type].params) & about_the_family, event_type.__name__


@pytest.mark.parametrize(("event_type", "rule"), ROWS, ids=[e.__name__ for e, _ in ROWS])
def test_each_row_has_its_template_with_every_block_in_every_language(event_type: type[EventData], rule: Any) -> None:
    env = environment()
    for language in LANGUAGES:
        path = TEMPLATES / language / f"{rule.template}.j2"
        assert path.is_file(), path
        template = env.get_template(f"{language}/{rule.template}.j2")
        assert set(BLOCKS) <= set(template.blocks), (language, rule.template)


@pytest.mark.parametrize(("event_type", "rule"), ROWS, ids=[e.__name__ for e, _ in ROWS])
def test_a_template_may_show_only_ids_counts_and_dates_of_the_event(event_type: type[EventData], rule: Any) -> None:
    fields = _fields(event_type)
    for name in rule.params:
        kind = _bare(fields[name])
        allowed = (int, date, datetime)
        literal_ints = typing.get_origin(kind) is typing.Literal and all(
            isinstance(v, int) for v in typing.get_args(kind)
        )
        assert literal_ints or (isinstance(kind, type) and issubclass(kind, allowed)), (name, kind)


@pytest.mark.parametrize(("event_type", "rule"), ROWS, ids=[e.__name__ for e, _ in ROWS])
def test_the_link_is_filled_with_id_fields_only(event_type: type[EventData], rule: Any) -> None:
    fields = _fields(event_type)
    placeholders = [f for _, f, _, _ in string.Formatter().parse(rule.link) if f]
    assert placeholders, rule
    for name in placeholders:
        assert name.endswith("_id") and fields[name] is str, name
    assert rule.link.startswith("/")


@pytest.mark.parametrize(("event_type", "rule"), ROWS, ids=[e.__name__ for e, _ in ROWS])
def test_recipients_are_user_ids_and_matchregie_rows_name_a_municipality(
    event_type: type[EventData], rule: Any
) -> None:
    fields = _fields(event_type)
    assert fields[rule.recipients] == list[str]
    if rule.matchregie:
        assert fields["municipality"] is str and fields["notify_matchregie"] is bool


def test_every_category_has_a_spec_and_defaults_among_the_external_channels() -> None:
    assert set(CATEGORIES) == set(Category)
    for spec in CATEGORIES.values():
        assert spec.default_channels <= set(EXTERNAL)
        assert Channel.INBOX not in spec.default_channels  # the inbox is always on, never a choice
    assert {rule.category for rule in RULES.values()} == set(Category)


def test_an_overdue_follow_up_is_urgent_and_a_match_is_not() -> None:
    assert CATEGORIES[Category.FOLLOW_UP].urgent
    assert not CATEGORIES[Category.MATCH].urgent
    assert not CATEGORIES[Category.SIGNAL_REVIEW].urgent
    assert not CATEGORIES[Category.PLAN].urgent  # an overdue plan action included: it waits for quiet hours


def test_a_waiting_contact_is_urgent_by_push_and_sms_and_a_handover_waits_for_the_morning() -> None:
    contact, handover = CATEGORIES[Category.CONTACT], CATEGORIES[Category.HANDOVER]
    assert contact.urgent and contact.default_channels == {Channel.PUSH, Channel.SMS}  # e-mail is too slow
    assert not handover.urgent and handover.default_channels == {Channel.EMAIL, Channel.PUSH}


def test_every_template_file_is_used_by_a_row_and_english_has_the_same_set() -> None:
    used = {rule.template for rule in RULES.values()}
    assert set(template_names()) == used
    english = sorted(path.stem for path in (TEMPLATES / "en").glob("*.j2"))
    assert english == template_names()


def test_the_consumer_routes_and_the_subscription_follow_the_table() -> None:
    from services.notifications.handlers.deliver import router
    from services.notifications.manifest import MANIFEST

    assert set(router.event_types) == set(RULES)
    [subscription] = MANIFEST.subscriptions
    assert set(subscription.events) == set(RULES)
