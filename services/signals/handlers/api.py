"""The signals API function: routes under /signals."""

from __future__ import annotations

from services.shared.api import create_app, lambda_handler
from services.shared.health import register_health
from services.signals.manifest import MANIFEST

app = create_app(service=MANIFEST.name, version=MANIFEST.version, description=MANIFEST.description)
register_health(app, MANIFEST)

handler = lambda_handler(app, component="signals-api")
