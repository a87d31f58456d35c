"""The plans API function: routes under /plans."""

from __future__ import annotations

from services.plans.manifest import MANIFEST
from services.shared.api import create_app, lambda_handler
from services.shared.health import register_health

app = create_app(service=MANIFEST.name, version=MANIFEST.version, description=MANIFEST.description)
register_health(app, MANIFEST)

handler = lambda_handler(app, component="plans-api")
