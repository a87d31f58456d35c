"""A stored notification (template, parameters, app path) rendered for one reader in one language."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from services.notifications.logic.render import Rendered, render
from services.shared.region import RegionConfig


def _revive(value: Any) -> Any:
    """Dates and times were stored as ISO text; the templates format them per language."""
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    return value


def message(
    template: str, params: str, path: str, *, urgent: bool, for_matchregie: bool, language: str, config: RegionConfig
) -> Rendered:
    offered = {lang.value for lang in config.languages}
    context = {
        **{name: _revive(value) for name, value in json.loads(params).items()},
        "link": config.notifications.app_base_url.rstrip("/") + path,
        "region": config.display_name,
        "urgent": urgent,
        "for_matchregie": for_matchregie,
    }
    return render(template, language if language in offered else "nl", context)
