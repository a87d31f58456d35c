"""Consumer: the family plan's coordinator changed (plans service) -> keep the match's coordinator in step."""

from __future__ import annotations

from services.shared.consumer import EventRouter
from services.shared.contracts.plans import PlanCoordinatorChanged
from services.shared.events import Event
from services.shared.principal import Principal
from services.signals.logic.follow_up import follow_plan_coordinator

COMPONENT = "signals-plan-coordinator"
router = EventRouter(COMPONENT)


@router.on(PlanCoordinatorChanged)
def keep_match_in_step(event: Event[PlanCoordinatorChanged]) -> None:
    follow_plan_coordinator(event.data, Principal.for_system(COMPONENT, event.metadata.region))


handler = router.handler
