"""The video API function: routes under /video."""

from __future__ import annotations

from services.shared.api import create_app, lambda_handler
from services.shared.health import register_health
from services.video.about import ABOUT

app = create_app(service=ABOUT.name, version=ABOUT.version, description=ABOUT.description)
register_health(app, ABOUT)

handler = lambda_handler(app, component="video-api")
