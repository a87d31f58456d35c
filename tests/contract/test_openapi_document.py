"""The published OpenAPI document (docs/api/openapi.json) is what the frontends build against."""

from __future__ import annotations

import json
from pathlib import Path

from services.shared.openapi import merged_schema

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def test_published_document_is_up_to_date() -> None:
    assert json.loads(DOCUMENT.read_text()) == merged_schema(), "run: python -m services.shared.openapi"


def test_every_operation_is_named_secured_and_documents_our_error_shape() -> None:
    document = merged_schema()
    assert document["security"] == [{"cognito": []}]
    assert document["components"]["securitySchemes"]["cognito"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("operationId"), f"{method} {path} has no operationId"
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}, f"{method} {path}"
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_four_health_operations_are_listed() -> None:
    paths = merged_schema()["paths"]
    for service in ("signals", "plans", "video", "notifications"):
        assert paths[f"/{service}/health"]["get"]["operationId"] == f"{service}_health"
