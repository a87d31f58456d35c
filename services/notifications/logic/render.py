"""Messages from templates: Jinja2 with autoescaping and strict undefined variables.

Each template ``templates/<language>/<name>.j2`` defines four blocks: ``subject`` (e-mail subject and inbox
title), ``text`` (the e-mail's plain-text part), ``html`` (the e-mail's HTML part, placed in
``templates/layout.html.j2``) and ``short`` (SMS and push). A template sees only ``link`` (the place in the
app), ``app``, ``region`` (the region's display name), ``urgent`` and the event fields its rule lists
(ids, counts, dates) - never a name, a BSN or anything else about a family.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
LANGUAGES = ("nl", "en")
BLOCKS = ("subject", "text", "html", "short")
APP_NAME = "Jeugdketen"
SMS_MAX = 160  # one SMS segment (GSM-7); longer texts cost more and arrive in pieces

_MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "en": "January February March April May June July August September October November December",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    short: str


def _long_date(value: date | datetime, language: str) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo("Europe/Amsterdam")).date()
    month = _MONTHS[language].split()[value.month - 1]
    return f"{value.day} {month} {value.year}"


@cache
def environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every part: a value can never become markup
        undefined=StrictUndefined,  # a template asking for something it is not given fails its test
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals["app"] = APP_NAME
    return env


def template_names() -> list[str]:
    """Every template name that exists in Dutch (the first language; tests check English has the same)."""
    return sorted(path.stem for path in (TEMPLATES / "nl").glob("*.j2"))


def render(name: str, language: str, context: dict[str, Any]) -> Rendered:
    from markupsafe import Markup

    if language not in LANGUAGES:
        language = "nl"
    env = environment()
    template = env.get_template(f"{language}/{name}.j2")
    values = dict(context)
    values["long_date"] = lambda value: _long_date(value, language)
    parts: dict[str, str] = {}
    bound = template.new_context(values)
    for block in BLOCKS:
        if block not in template.blocks:
            raise LookupError(f"template {language}/{name}.j2 has no block {block!r}")
        parts[block] = "".join(template.blocks[block](bound)).strip()
    layout = env.get_template("layout.html.j2")
    content = Markup(parts["html"])  # noqa: S704 - rendered above with autoescaping: already safe markup
    html = layout.render(content=content, subject=parts["subject"], link=context["link"], language=language)
    subject = " ".join(parts["subject"].split())
    return Rendered(subject=subject, text=parts["text"], html=html, short=" ".join(parts["short"].split()))
