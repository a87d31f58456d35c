"""Reading and replacing a user's notification preferences."""

from __future__ import annotations

from datetime import time

from services.notifications.logic import preferences
from services.notifications.logic.categories import CATEGORIES, Category, Channel
from services.notifications.logic.preferences import Preferences, QuietHours
from services.notifications.models.api import CategoryView, PreferencesUpdate, PreferencesView
from services.notifications.models.api import QuietHours as QuietHoursView
from services.shared import clock
from services.shared.errors import Unprocessable
from services.shared.principal import Principal
from services.shared.region_config import region_config


def _quiet_view(quiet: QuietHours) -> QuietHoursView:
    return QuietHoursView(start=f"{quiet.start:%H:%M}", end=f"{quiet.end:%H:%M}", timezone=quiet.timezone)


def _view(prefs: Preferences) -> PreferencesView:
    quiet = prefs.quiet_hours
    return PreferencesView(
        categories=[
            CategoryView(category=c, channels=[ch.value for ch in prefs.external_channels(c)], urgent=spec.urgent)  # type: ignore[misc]
            for c, spec in CATEGORIES.items()
        ],
        quiet_hours=QuietHoursView(
            start=quiet.start.strftime("%H:%M"), end=quiet.end.strftime("%H:%M"), timezone=quiet.timezone
        )
        if quiet
        else None,
        language=prefs.language,  # type: ignore[arg-type]
    )


def view(user_id: str) -> PreferencesView:
    return _view(preferences.load(user_id))


def replace(principal: Principal, update: PreferencesUpdate) -> PreferencesView:
    offered = {lang.value for lang in region_config().languages}
    if update.language not in offered:
        raise Unprocessable(
            f"this region offers {sorted(offered)}",
            details={"errors": [{"field": "language", "message": "not offered"}]},
        )
    channels = {c: spec.default_channels for c, spec in CATEGORIES.items()}
    for category, chosen in update.channels.items():
        channels[Category(category)] = frozenset(Channel(c) for c in chosen)
    quiet = update.quiet_hours
    prefs = Preferences(
        channels=channels,
        language=update.language,
        quiet_hours=QuietHours(time.fromisoformat(quiet.start), time.fromisoformat(quiet.end), quiet.timezone)
        if quiet
        else None,
    )
    preferences.item_for(principal.user_id, prefs, clock.now()).save()
    return _view(prefs)
