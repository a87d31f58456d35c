"""Who the video service is, for its API function: name, version, prefix and tables (see ``ServiceAbout``)."""

from __future__ import annotations

from services.shared.manifest import ServiceAbout, TableSpec
from services.video import __version__
from services.video.dal.tables import VideoItem

ABOUT = ServiceAbout(
    name="video",
    version=__version__,
    description="24/7 contact with a JGZ nurse by chat, call-back and video.",
    api_prefix="/video",
    api_handler="services.video.handlers.api.handler",
    tables=(TableSpec(name="main", model=VideoItem),),
)
