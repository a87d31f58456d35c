"""One OpenAPI document for the region's API: the four services' schemas merged, with our error shape.

The local gateway serves it at ``/openapi.json``; ``python -m services.shared.openapi`` writes
``docs/api/openapi.json``.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from services.shared.manifest import ServiceManifest, load_manifests

SECURITY_SCHEMES: dict[str, Any] = {
    "cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "Cognito ID token"}
}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "description": "stable, machine-readable error code"},
        "message": {"type": "string", "description": "what went wrong, for a person"},
        "details": {"type": "object", "description": "e.g. the fields that failed validation"},
    },
}
ERROR_STATUSES = {
    "400": "malformed request",
    "401": "missing, expired or invalid token",
    "403": "the caller may not do this",
    "413": "request body too large",
    "422": "the request failed validation; details.errors names each field",
}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def service_schema(manifest: ServiceManifest) -> dict[str, Any]:
    module = importlib.import_module(manifest.api_handler.rsplit(".", 1)[0])
    schema = module.app.get_openapi_schema()
    return json.loads(schema.model_dump_json(by_alias=True, exclude_none=True))


def merged_schema(manifests: list[ServiceManifest] | None = None, *, server_url: str | None = None) -> dict[str, Any]:
    manifests = manifests if manifests is not None else load_manifests()
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    tags = []
    for manifest in manifests:
        part = service_schema(manifest)
        paths.update(part.get("paths", {}))
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            if name in ("HTTPValidationError", "ValidationError"):
                continue
            schemas[name] = schema
        tags.append({"name": manifest.name, "description": manifest.description})
    for operations in paths.values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses[status] = _error_response(description)
    schemas["Error"] = ERROR_SCHEMA
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Jeugdketen API",
            "version": "1",
            "description": "One API per region. Every operation needs a Cognito ID token as a bearer token.",
        },
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": [{"cognito": []}],
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/api/openapi.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(merged_schema(), indent=2, sort_keys=False) + "\n")


if __name__ == "__main__":
    main()
