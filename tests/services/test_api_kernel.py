"""The API app factory's promises, seen from a client: authentication, limits, validation, error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from services.shared.api import create_app, current_principal, lambda_handler, requires
from services.shared.bsn import Bsn
from services.shared.errors import Conflict
from services.shared.principal import Role
from tests.services.conftest import LambdaContext, Region, api_event, claims

app = create_app(service="testing", version="9.9.9", description="kernel test app")


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bsn: Bsn
    municipality: str = Field(pattern=r"^GM\d{4}$")


@app.post("/testing/registrations", middlewares=[requires(Role.PROFESSIONAL)])
def register(body: Registration) -> dict[str, Any]:
    return {"by": current_principal().username, "municipality": body.municipality}


@app.get("/testing/conflict")
def conflict() -> dict[str, Any]:
    raise Conflict("there is already one", code="duplicate", details={"existing_id": "s-1"})


@app.get("/testing/boom")
def boom() -> dict[str, Any]:
    raise RuntimeError("secret internals")


handler = lambda_handler(app, component="testing-api")


def call(event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
    response = handler(event, LambdaContext())
    headers = {k.lower(): v[0] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update({k.lower(): v for k, v in (response.get("headers") or {}).items()})
    return response["statusCode"], json.loads(response["body"]), headers


GOOD = {"bsn": "111222333", "municipality": "GM0014"}


def test_health_reports_version_and_table(region: Region) -> None:
    from services.signals.handlers.api import handler as signals_api

    response = signals_api(api_event("GET", "/signals/health", claims_=claims()), LambdaContext())
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "service": "signals",
        "version": "0.1.0",
        "region": "groningen",
        "status": "ok",
        "tables": {"main": "ok"},
    }


def test_health_says_degraded_when_the_table_is_gone(region: Region) -> None:
    from services.signals.handlers.api import handler as signals_api

    region.client("dynamodb").delete_table(TableName=region.tables["signals.main"])
    response = signals_api(api_event("GET", "/signals/health", claims_=claims()), LambdaContext())
    assert response["statusCode"] == 503
    assert json.loads(response["body"])["tables"] == {"main": "unavailable"}


def test_request_without_claims_never_reaches_the_route(region: Region) -> None:
    status, body, _ = call(api_event("POST", "/testing/registrations", body=GOOD, claims_=None))
    assert status == 401
    assert body == {"code": "unauthenticated", "message": "a valid token is required", "details": {}}


def test_token_from_another_region_is_refused(region: Region) -> None:
    status, body, _ = call(
        api_event("POST", "/testing/registrations", body=GOOD, claims_=claims(**{"custom:region": "haaglanden"}))
    )
    assert status == 401 and "region" in body["message"]


def test_role_check_refuses_other_roles_with_403(region: Region) -> None:
    status, body, _ = call(
        api_event("POST", "/testing/registrations", body=GOOD, claims_=claims(**{"cognito:groups": "parent"}))
    )
    assert status == 403
    assert body["code"] == "role_required" and body["details"]["required_roles"] == ["professional"]


def test_valid_request_reaches_the_route_with_the_principal(region: Region) -> None:
    status, body, _ = call(api_event("POST", "/testing/registrations", body=GOOD, claims_=claims()))
    assert (status, body) == (200, {"by": "anna.jgz", "municipality": "GM0014"})


def test_invalid_bsn_is_422_naming_the_field(region: Region) -> None:
    status, body, _ = call(
        api_event("POST", "/testing/registrations", body={**GOOD, "bsn": "123456789"}, claims_=claims())
    )
    assert status == 422
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["details"]["errors"]] == ["bsn"]
    assert "bsn" in body["message"]


def test_unknown_fields_are_refused(region: Region) -> None:
    status, body, _ = call(
        api_event("POST", "/testing/registrations", body={**GOOD, "reason": "worried"}, claims_=claims())
    )
    assert status == 422
    assert [e["field"] for e in body["details"]["errors"]] == ["reason"]


def test_malformed_json_is_400(region: Region) -> None:
    status, body, _ = call(api_event("POST", "/testing/registrations", raw_body="{not json", claims_=claims()))
    assert (status, body["code"]) == (400, "invalid_json")


def test_oversized_body_is_413_before_parsing(region: Region, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.shared.settings import reset_settings

    monkeypatch.setenv("JK_MAX_BODY_BYTES", "1024")
    reset_settings()
    status, body, _ = call(api_event("POST", "/testing/registrations", raw_body="x" * 2000, claims_=claims()))
    assert status == 413
    assert body["details"] == {"limit_bytes": 1024}


def test_domain_errors_keep_their_code_and_details(region: Region) -> None:
    status, body, _ = call(api_event("GET", "/testing/conflict", claims_=claims()))
    assert (status, body) == (
        409,
        {"code": "duplicate", "message": "there is already one", "details": {"existing_id": "s-1"}},
    )


def test_unexpected_errors_hide_internals(region: Region) -> None:
    status, body, _ = call(api_event("GET", "/testing/boom", claims_=claims()))
    assert status == 500
    assert body["code"] == "internal_error" and "secret" not in json.dumps(body)


def test_unknown_route_is_404_json(region: Region) -> None:
    status, body, _ = call(api_event("GET", "/testing/nothing-here", claims_=claims()))
    assert (status, body["code"]) == (404, "not_found")


def test_correlation_id_is_taken_from_the_header_and_returned(region: Region) -> None:
    _, _, headers = call(
        api_event("GET", "/testing/conflict", claims_=claims(), headers={"x-correlation-id": "frontend-trace-0001"})
    )
    assert headers["x-correlation-id"] == "frontend-trace-0001"
    _, _, headers = call(api_event("GET", "/testing/conflict", claims_=claims()))
    assert headers["x-correlation-id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert headers["cache-control"] == "no-store"


def test_log_lines_carry_the_correlation_id(region: Region) -> None:
    import io
    import logging

    from services.shared.observability import logger

    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(logger().registered_formatter)
    logger().addHandler(capture)
    try:
        call(api_event("GET", "/testing/boom", claims_=claims(), headers={"x-correlation-id": "trace-abcdef12"}))
    finally:
        logger().removeHandler(capture)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    errors = [line for line in lines if line.get("level") == "ERROR"]
    assert errors and errors[0]["correlation_id"] == "trace-abcdef12"
    assert errors[0]["user_id"] == "user-anna"


def test_unauthenticated_request_with_a_bad_body_learns_nothing_about_validation(region: Region) -> None:
    status, body, _ = call(api_event("POST", "/testing/registrations", body={"bsn": "1"}, claims_=None))
    assert (status, body["code"]) == (401, "unauthenticated")


@app.post("/testing/widgets")
def create_widget() -> dict[str, Any]:
    from tests.services.test_event_plumbing import create_widget as write_widget

    [event] = write_widget("from-api")
    return {"event_id": event.metadata.event_id}


def test_events_caused_by_a_request_carry_its_correlation_id(region: Region) -> None:
    from services.signals.dal.tables import SignalsOutbox

    status, body, _ = call(
        api_event(
            "POST", "/testing/widgets", body={}, claims_=claims(), headers={"x-correlation-id": "frontend-trace-0042"}
        )
    )
    assert status == 200
    outbox = SignalsOutbox.get(f"OUTBOX#{body['event_id']}", "OUTBOX")
    assert json.loads(outbox.envelope)["metadata"]["correlation_id"] == "frontend-trace-0042"
