"""Who the plans service is, for its API function: name, version, prefix and tables (see ``ServiceAbout``)."""

from __future__ import annotations

from services.plans import __version__
from services.plans.dal.tables import PlansItem
from services.shared.manifest import ServiceAbout, TableSpec

ABOUT = ServiceAbout(
    name="plans",
    version=__version__,
    description="One family, one plan, one coordinator: the shared family plan.",
    api_prefix="/plans",
    api_handler="services.plans.handlers.api.handler",
    tables=(TableSpec(name="main", model=PlansItem),),
)
