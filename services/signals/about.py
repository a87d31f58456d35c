"""Who the signals service is, for its API function: name, version, prefix and tables (see ``ServiceAbout``)."""

from __future__ import annotations

from services.shared.manifest import ServiceAbout, TableSpec
from services.signals import __version__
from services.signals.dal.tables import SignalsItem

ABOUT = ServiceAbout(
    name="signals",
    version=__version__,
    description="The regional referral index (verwijsindex): signals, matches, match follow-up and the signal guide.",
    api_prefix="/signals",
    api_handler="services.signals.handlers.api.handler",
    tables=(TableSpec(name="main", model=SignalsItem),),
)
