"""What a frontend developer notices about the local API: documents, sign-in, and the token check."""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import PASSWORD, RunningHost

pytestmark = pytest.mark.e2e
SERVICES = ("signals", "plans", "video", "notifications")


def _error_shape(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details"}, body
    return body


def _connect(host: RunningHost) -> http.client.HTTPConnection:
    target = urlsplit(host.api)
    return http.client.HTTPConnection(str(target.hostname), target.port, timeout=10)


def _flip(segment: str) -> str:
    """The same base64url segment with one character changed."""
    middle = len(segment) // 2
    return segment[:middle] + ("A" if segment[middle] != "A" else "B") + segment[middle + 1 :]


def test_openapi_document_lists_the_four_health_operations_without_a_token(host: RunningHost) -> None:
    response = host.http.get(host.url("/openapi.json"))
    assert response.status_code == 200
    document = response.json()
    for service in SERVICES:
        assert document["paths"][f"/{service}/health"]["get"]["operationId"] == f"{service}_health"
    assert document["servers"] == [{"url": host.api}]


def test_docs_page_and_its_assets_are_served_locally(host: RunningHost) -> None:
    page = host.http.get(host.url("/docs"))
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text and "/openapi.json" in page.text
    script = host.http.get(host.url("/docs/swagger-ui-bundle.min.js"))
    assert script.status_code == 200 and len(script.content) > 100_000


def test_a_demo_user_gets_a_token_and_a_wrong_password_gets_401(host: RunningHost) -> None:
    response = host.http.post(host.url("/local/token"), json={"username": "anna.jgz", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["id_token"].count(".") == 2 and body["expires_in"] > 0
    wrong = host.http.post(host.url("/local/token"), json={"username": "anna.jgz", "password": "not-the-password"})
    assert wrong.status_code == 401 and _error_shape(wrong)["code"] == "unauthenticated"
    nobody = host.http.post(host.url("/local/token"), json={"username": "nobody", "password": PASSWORD})
    assert nobody.status_code == 401


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", json.dumps({"username": "anna.jgz"}), json.dumps({"username": 1, "password": PASSWORD})],
)
def test_a_malformed_sign_in_gets_422(host: RunningHost, body: str) -> None:
    response = host.http.post(host.url("/local/token"), data=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert _error_shape(response)["code"] == "validation_error"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_answers_its_health_check_with_a_token(host: RunningHost, service: str) -> None:
    response = host.http.get(host.url(f"/{service}/health"), headers=host.auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["service"] == service and body["region"] == "groningen"
    assert response.headers["x-correlation-id"]


def test_without_a_token_the_api_answers_401(host: RunningHost) -> None:
    response = host.http.get(host.url("/signals/health"))
    assert response.status_code == 401
    assert _error_shape(response)["code"] == "unauthenticated"


@pytest.mark.parametrize("part", ["payload", "signature"])
def test_a_tampered_token_gets_401(host: RunningHost, part: str) -> None:
    header, payload, signature = host.token().split(".")
    if part == "payload":
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["cognito:groups"] = ["region_admin"]
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    else:
        signature = _flip(signature)
    response = host.http.get(
        host.url("/signals/health"), headers={"Authorization": f"Bearer {header}.{payload}.{signature}"}
    )
    assert response.status_code == 401
    assert _error_shape(response)["code"] == "unauthenticated"


def test_a_token_signed_with_another_key_gets_401(host: RunningHost) -> None:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    genuine = host.token().split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(genuine + "=" * (-len(genuine) % 4)))
    forged = jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, RSAKey.generate_key(2048))
    response = host.http.get(host.url("/signals/health"), headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


@pytest.mark.parametrize("value", ["Bearer", "Bearer not-a-jwt", "Basic YW5uYTpzZWNyZXQ=", "Bearer a.b.c"])
def test_garbage_in_the_authorization_header_gets_401(host: RunningHost, value: str) -> None:
    response = host.http.get(host.url("/signals/health"), headers={"Authorization": value})
    assert response.status_code == 401


def test_unknown_paths_get_404_json(host: RunningHost) -> None:
    for path in ("/nope/health", "/", "/signals/", "/local/nothing"):
        response = host.http.get(host.url(path), headers=host.auth())
        assert response.status_code == 404, path
        assert _error_shape(response)["code"] == "not_found"


def test_the_gateway_refuses_oversized_headers_and_bodies_with_json(host: RunningHost) -> None:
    big = host.http.get(host.url("/signals/health"), headers={**host.auth(), "X-Padding": "x" * 20_000})
    assert big.status_code == 431 and _error_shape(big)["code"] == "headers_too_large"

    # Content-Length beyond API Gateway's 10 MB: refused before the body is read.
    connection = _connect(host)
    connection.putrequest("POST", "/probe/items")
    for name, value in {**host.auth(), "Content-Type": "application/json", "Content-Length": "20000000"}.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["code"] == "payload_too_large"
    connection.close()


def test_a_request_line_the_server_cannot_parse_gets_json(host: RunningHost) -> None:
    connection = _connect(host)
    connection.putrequest("GET", "/signals/health")
    connection.putheader("X-Long", "y" * 70_000)  # beyond the HTTP server's 64 KiB line limit
    connection.endheaders()
    response = connection.getresponse()
    assert 400 <= response.status < 500
    assert json.loads(response.read())["code"] == "bad_request"
    connection.close()


def test_a_malformed_json_body_reaches_the_service_and_gets_its_400(host: RunningHost) -> None:
    response = host.http.post(
        host.url("/probe/items"), data="{not json", headers={**host.auth(), "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert _error_shape(response)["code"] == "invalid_json"


def test_time_travel_backwards_is_refused(host: RunningHost) -> None:
    for advance in (-5, "-PT1H", "P1Y", "yesterday", None, True):
        response = host.http.post(host.url("/local/clock"), json={"advance": advance})
        assert response.status_code == 422, advance
    assert host.http.get(host.url("/local/clock")).json()["offset_seconds"] == 0
