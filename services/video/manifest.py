"""What the video service is made of; read by the CDK stack and the local host."""

from __future__ import annotations

from services.shared.contracts.video import CONTRACTS
from services.shared.manifest import ServiceManifest
from services.video.about import ABOUT

MANIFEST = ServiceManifest.of(
    ABOUT,
    publishes=CONTRACTS,
)
