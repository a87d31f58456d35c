"""What the video service is made of; read by the CDK stack and the local host."""

from __future__ import annotations

from services.shared.contracts.video import CONTRACTS
from services.shared.manifest import ServiceManifest, TableSpec
from services.video import __version__
from services.video.dal.tables import VideoItem

MANIFEST = ServiceManifest(
    name="video",
    version=__version__,
    description="24/7 contact with a JGZ nurse by chat, call-back and video.",
    api_prefix="/video",
    api_handler="services.video.handlers.api.handler",
    tables=(TableSpec(name="main", model=VideoItem),),
    publishes=CONTRACTS,
)
