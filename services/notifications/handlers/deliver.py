"""Consumer: events of the other services -> notifications (inbox, e-mail, SMS, push), per ``logic/rules.py``."""

from __future__ import annotations

from typing import Any

from services.notifications.logic.rules import RULES
from services.shared.consumer import EventRouter
from services.shared.events import Event

COMPONENT = "notifications-deliver"
router = EventRouter(COMPONENT, back_off=True)  # a provider that fails gets time: 30 s, 1, 2, 4 min


def _deliver(event: Event[Any]) -> None:
    from services.notifications.logic.deliver import deliver

    deliver(event)


for _event_type in RULES:  # one route per row of the table: the table is the only place to add an event
    router.on(_event_type)(_deliver)

handler = router.handler
