"""The probe consumer: records an effect per ProbeItemCreated, and fails (every time) for items marked fail."""

from __future__ import annotations

from services.shared.consumer import EventRouter
from services.shared.events import Event
from tests.probe import logic
from tests.probe.events import ProbeItemCreated

router = EventRouter("probe-count-effects")


class ProbeFailure(Exception):
    """Raised on purpose: this item's message must end in the DLQ."""


@router.on(ProbeItemCreated)
def count_effect(event: Event[ProbeItemCreated]) -> None:
    if event.data.fail:
        raise ProbeFailure(f"item {event.data.item_id} is marked to fail")
    logic.record_effect(event.data.item_id)


handler = router.handler
