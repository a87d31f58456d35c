"""The signal guide routes (GET /signals/guide, POST /signals/guide/advice), included by the signals API.

Decision support for professionals: the region's questions by life domain, and an advice (signal, consult
first, no signal) on a set of yes/no/unknown answers. No NEN 7513 audit record is written here because
nothing about a youth is read or stored: the request carries only question ids and answers (no BSN, no
name, no free text), the answers are not kept, and the only data read are the region's guide and config.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from services.shared.api import current_principal, requires
from services.shared.principal import Principal, Role
from services.shared.region_config import region_config
from services.signals.logic.guide import advise, load_guide
from services.signals.models.guide import AdviceRequest, AdviceView, GuideView, OrganisationProfile, SignalGuide

router = Router()
PROFESSIONALS = [requires(Role.PROFESSIONAL)]
TAGS = ["signal guide"]


def _profile_of(principal: Principal, guide: SignalGuide) -> OrganisationProfile | None:
    """The profile of the caller's kind of organisation (its domain in the region config), if it has one."""
    organisation = region_config().organisation(principal.organization) if principal.organization else None
    return guide.profile(organisation.domain if organisation else None)


@router.get(
    "/signals/guide",
    operation_id="signals_get_guide",
    summary="The signal guide: questions per life domain, and your organisation's profile",
    tags=TAGS,
    middlewares=PROFESSIONALS,
)
def get_guide() -> GuideView:
    guide = load_guide()
    return GuideView.of(guide, _profile_of(current_principal(), guide))


@router.post(
    "/signals/guide/advice",
    operation_id="signals_guide_advice",
    summary="Advice on answers to the signal guide: signal, consult first, or no signal (nothing is stored)",
    tags=TAGS,
    middlewares=PROFESSIONALS,
)
def get_advice(request: AdviceRequest) -> AdviceView:
    guide = load_guide()
    advice = advise(guide, _profile_of(current_principal(), guide), request.answers, version=request.version)
    return AdviceView(
        advice=advice.kind, grounds=list(advice.grounds), explanation=advice.explanation, version=advice.version
    )
