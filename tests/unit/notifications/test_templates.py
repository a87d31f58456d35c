"""Templates: rendered in Dutch and English, autoescaped, and scanned for anything about a family.

The scan fails on a BSN pattern, on a name of a family member, on a contact detail, and on the value of any
event field other than the ids (which only the link may hold), counts and dates that the rule lets through.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from jinja2 import meta

from services.notifications.logic.deliver import notice_of
from services.notifications.logic.messages import message
from services.notifications.logic.render import BLOCKS, LANGUAGES, SMS_MAX, TEMPLATES, environment, render
from services.notifications.logic.rules import RULES
from services.shared.events import EventData, new_event
from services.shared.region import RegionConfig

ROOT = Path(__file__).resolve().parents[3]
ROWS = sorted(RULES.items(), key=lambda row: row[0].__name__)
BSN = re.compile(r"(?<!\d)\d{9}(?!\d)")
# The family of the sample events below, and the professionals around it: none of it may ever show.
FAMILY = ("Jansen", "Sanne", "Pieter", "de Boer", "999990019", "111222333", "Hoofdstraat", "9712 CP")
CONTACTS = ("anna@demo.jeugdketen.nl", "+31600000001", "Anna de Vries", "Bram Bakker")
CONTEXT_NAMES = {"link", "app", "region", "urgent", "for_matchregie", "long_date"}


def _config(region: str = "groningen") -> RegionConfig:
    data = yaml.safe_load((ROOT / "infra" / "regions" / f"{region}.yaml").read_text())
    data.pop("aws", None)
    data.pop("signal_guide", None)
    return RegionConfig.model_validate(data)


ID_SAMPLES = {
    "match_id": "mat-" + "ab" * 16,
    "signal_id": "sig-" + "cd" * 16,
    "plan_id": "pln-" + "fa" * 16,
    "contact_id": "con-" + "bc" * 16,  # longer than the video service's own: the SMS test stays on the safe side
}
ID_PREFIXES = ("mat-", "sig-", "pln-", "con-", "usr-")


def _bare(kind: Any) -> Any:
    """``X | None`` is sampled (and hidden) as ``X``: the message must hold up when the value is there."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return kind


def _sample(name: str, kind: Any) -> Any:
    """A value for every field: ids without nine digits in a row, and free-looking strings that must not show."""
    kind = _bare(kind)
    if name.endswith("_id") and kind is str:
        return ID_SAMPLES.get(name, "usr-" + "ef" * 16)
    if kind is str:
        return f"SECRET-{name}-Jansen"  # a string that is not an id: it must never reach a message
    if kind == list[str]:
        return ["usr-" + "12" * 16, "usr-" + "34" * 16]
    if kind == dict[str, str]:  # e.g. user id -> organisation: neither may show
        return {"usr-" + "56" * 16: f"SECRET-{name}-Jansen"}
    if kind is bool:
        return True
    if kind is int:
        return 7
    if kind is datetime:
        return datetime(2027, 3, 14, 23, 30, tzinfo=UTC)
    if kind is date:
        return date(2028, 2, 29)
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin is typing.Literal:
        return args[-1]
    if origin is list and args and typing.get_origin(args[0]) is typing.Literal:
        return list(typing.get_args(args[0]))
    raise AssertionError(f"no sample for {name}: {kind}")


def sample_event(event_type: type[EventData], **overrides: Any) -> Any:
    hints = typing.get_type_hints(event_type)
    data = event_type(**{name: _sample(name, hints[name]) for name in event_type.model_fields} | overrides)
    return new_event(data)


def _strings_that_must_not_show(event: Any, rule: Any) -> list[str]:
    """Every free string and user id of the event. (Codes - ``Literal`` fields such as a match's kind - are
    words the prose may use too; that a template cannot reach them is checked on the templates' variables.)"""
    hints = typing.get_type_hints(type(event.data))
    hidden = []
    for name, value in event.data.model_dump().items():
        if name in rule.params or name.endswith("_id"):
            continue
        if _bare(hints[name]) is str:
            hidden.append(value)
        if _bare(hints[name]) == list[str]:
            hidden.extend(value)
        if _bare(hints[name]) == dict[str, str]:
            hidden.extend([*value, *value.values()])
    return hidden


def _scan(text: str, hidden: list[str]) -> list[str]:
    found = [f"BSN-like {m}" for m in BSN.findall(text)]
    found += [f"family {word!r}" for word in FAMILY if word.lower() in text.lower()]
    found += [f"contact {word!r}" for word in CONTACTS if word.lower() in text.lower()]
    found += [f"event field {value!r}" for value in hidden if value in text]
    return found


@pytest.mark.parametrize(("event_type", "rule"), ROWS, ids=[e.__name__ for e, _ in ROWS])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("for_matchregie", [False, True])
def test_rendered_messages_hold_nothing_about_a_family(
    event_type: type[EventData], rule: Any, language: str, for_matchregie: bool
) -> None:
    event = sample_event(event_type)
    notice = notice_of(event)
    rendered = message(
        rule.template,
        __import__("json").dumps(notice.params),
        notice.path,
        urgent=False,
        for_matchregie=for_matchregie,
        language=language,
        config=_config(),
    )
    hidden = _strings_that_must_not_show(event, rule)
    for part in (rendered.subject, rendered.text, rendered.html, rendered.short):
        assert _scan(part, hidden) == []
        ids_outside_link = part.replace(notice.path, "")
        for value in event.data.model_dump().values():
            if isinstance(value, str) and value.startswith(ID_PREFIXES):
                assert value not in ids_outside_link  # ids appear only inside the link
    assert notice.path in rendered.text and notice.path in rendered.html and notice.path in rendered.short


def test_the_scan_itself_catches_what_it_looks_for() -> None:
    assert _scan("Kind met BSN 999990019", [])
    assert _scan("Over Sanne Jansen", [])
    assert _scan("mail anna@demo.jeugdketen.nl", [])
    assert _scan("gemeente SECRET-municipality-Jansen", ["SECRET-municipality-Jansen"])
    assert _scan("Er is een nieuwe match: https://x.nl/signals/matches/mat-abab", []) == []


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.j2")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_use_only_the_context_their_rule_gives(path: Path) -> None:
    env = environment()
    source = path.read_text()
    used = meta.find_undeclared_variables(env.parse(source))
    params = {p for rule in RULES.values() if rule.template == path.stem for p in rule.params}
    allowed = CONTEXT_NAMES | params | ({"content", "subject", "language"} if path.name == "layout.html.j2" else set())
    assert used <= allowed, used - allowed
    assert _scan(source, []) == []


@pytest.mark.parametrize(("event_type", "rule"), ROWS, ids=[e.__name__ for e, _ in ROWS])
@pytest.mark.parametrize("region", ["groningen", "haaglanden"])
def test_an_sms_fits_one_message_with_the_longest_link(event_type: type[EventData], rule: Any, region: str) -> None:
    notice = notice_of(sample_event(event_type))
    for language in LANGUAGES:
        rendered = message(
            rule.template,
            __import__("json").dumps(notice.params),
            notice.path,
            urgent=True,
            for_matchregie=True,
            language=language,
            config=_config(region),
        )
        assert len(rendered.short) <= SMS_MAX, rendered.short
        assert rendered.short.isascii()  # GSM-7 safe: no accented letters that turn the SMS into UCS-2


def _optional_params(event_type: type[EventData], rule: Any) -> list[str]:
    hints = typing.get_type_hints(event_type)
    return [name for name in rule.params if _bare(hints[name]) is not hints[name]]


OPTIONAL_ROWS = [(event_type, rule) for event_type, rule in ROWS if _optional_params(event_type, rule)]


@pytest.mark.parametrize(("event_type", "rule"), OPTIONAL_ROWS, ids=[e.__name__ for e, _ in OPTIONAL_ROWS])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_date_the_event_may_leave_out_is_left_out_of_the_message(
    event_type: type[EventData], rule: Any, language: str
) -> None:
    optional = _optional_params(event_type, rule)
    notice = notice_of(sample_event(event_type, **dict.fromkeys(optional)))
    rendered = message(rule.template, __import__("json").dumps(notice.params), notice.path, urgent=False,
                       for_matchregie=False, language=language, config=_config())  # fmt: skip
    for part in (rendered.subject, rendered.text, rendered.html, rendered.short):
        assert "None" not in part
    for line in rendered.text.splitlines():
        assert "  " not in line and " ." not in line and ".." not in line, line


def test_dutch_and_english_differ_and_dates_are_written_out_per_language() -> None:
    event = sample_event(next(e for e in RULES if e.__name__ == "SignalReviewDue"))
    notice = notice_of(event)
    nl, en = (
        message("signal_review_due", __import__("json").dumps(notice.params), notice.path, urgent=False,
                for_matchregie=False, language=lang, config=_config())
        for lang in ("nl", "en")
    )  # fmt: skip
    assert nl.subject != en.subject
    assert "29 februari 2028" in nl.text and "29 February 2028" in en.text


def test_the_email_has_a_plain_text_and_an_html_part_and_html_is_autoescaped() -> None:
    context = {"link": 'https://x.nl/a?<script>alert("x")</script>', "region": "G", "urgent": False,
               "for_matchregie": False}  # fmt: skip
    rendered = render("match_found", "nl", context)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert rendered.html.startswith("<!DOCTYPE html>") and 'lang="nl"' in rendered.html
    assert "<" not in rendered.text.replace(context["link"], "").replace("&lt;", "")


def test_a_template_asking_for_something_it_is_not_given_fails() -> None:
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render("signal_review_due", "nl", {"link": "https://x.nl/s", "region": "G", "urgent": False,
                                           "for_matchregie": False})  # fmt: skip


def test_every_block_is_rendered() -> None:
    context = {"link": "https://x.nl/s", "region": "G", "urgent": False, "for_matchregie": False}
    rendered = render("match_found", "en", context)
    assert all(getattr(rendered, block) for block in BLOCKS)
