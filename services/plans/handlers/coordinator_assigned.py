"""Consumer: a match's coordinator was chosen (signals) -> the family's plan, as a draft if it is new."""

from __future__ import annotations

from services.shared.consumer import EventRouter
from services.shared.contracts.signals import CoordinatorAssigned
from services.shared.events import Event
from services.shared.principal import Principal

COMPONENT = "plans-coordinator-assigned"
router = EventRouter(COMPONENT)


@router.on(CoordinatorAssigned)
def start_the_family_plan(event: Event[CoordinatorAssigned]) -> None:
    from services.plans.logic.plans import start_from_match

    start_from_match(event.data, Principal.for_system(COMPONENT, event.metadata.region))


handler = router.handler
