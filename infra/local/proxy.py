"""REST API proxy events as API Gateway builds them for ``/<prefix>/{proxy+}``, and their responses back.

The shape follows API Gateway's Lambda proxy integration (REST API, payload 1.0): single- and multi-value
headers and query strings, ``pathParameters.proxy``, a request context with the stage, request id and time,
caller identity and the Cognito authorizer's claims, and the body as text or base64.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infra.config import API_STAGE

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class IncomingRequest:
    """What the gateway took from the HTTP request (already checked for size)."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    query: list[tuple[str, str]]
    body: bytes
    source_ip: str
    host: str


def request_time(at: datetime) -> str:
    """``09/Apr/2015:12:34:56 +0000`` (API Gateway's ``requestTime``)."""
    return f"{at:%d}/{_MONTHS[at.month - 1]}/{at:%Y:%H:%M:%S} +0000"


def trace_id(at: datetime) -> str:
    return f"Root=1-{int(at.timestamp()):08x}-{secrets.token_hex(12)}"


def _single_and_multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value  # API Gateway keeps the last value in the single-value map
        multi.setdefault(name, []).append(value)
    return single, multi


def proxy_event(
    request: IncomingRequest,
    *,
    prefix: str,
    claims: dict[str, str],
    account: str,
    api_id: str,
    aws_region: str,
    now: datetime,
) -> dict[str, Any]:
    root = request.path == prefix  # the resource /<prefix> itself: no proxy path parameter
    resource = prefix if root else f"{prefix}/{{proxy+}}"
    request_id = str(uuid.uuid4())
    headers = list(request.headers)
    names = {name.lower() for name, _ in headers}
    port = request.host.rpartition(":")[2] if ":" in request.host else "80"
    for name, value in (
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Port", port),
        ("X-Forwarded-Proto", "http"),
        ("X-Amzn-Trace-Id", trace_id(now)),
    ):
        if name.lower() not in names:
            headers.append((name, value))
    single_headers, multi_headers = _single_and_multi(headers)
    single_query, multi_query = _single_and_multi(request.query)
    try:
        body: str | None = request.body.decode("utf-8") if request.body else None
        is_base64 = False
    except UnicodeDecodeError:
        body, is_base64 = base64.b64encode(request.body).decode(), True
    user_agent = next((value for name, value in request.headers if name.lower() == "user-agent"), None)
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single_headers or {},
        "multiValueHeaders": multi_headers or {},
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": None if root else {"proxy": request.path[len(prefix) + 1 :]},
        "stageVariables": None,
        "requestContext": {
            "resourceId": secrets.token_hex(3),
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": secrets.token_urlsafe(12),
            "requestTime": request_time(now),
            "path": f"/{API_STAGE}{request.path}",
            "accountId": account,
            "protocol": "HTTP/1.1",
            "stage": API_STAGE,
            "domainPrefix": api_id,
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": request.source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent,
                "user": None,
            },
            "domainName": f"{api_id}.execute-api.{aws_region}.amazonaws.com",
            "apiId": api_id,
            "authorizer": {"claims": claims},
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def response_parts(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of a proxy integration result; ``ValueError`` if it is malformed (API
    Gateway answers 502 then)."""
    if not isinstance(result, dict):
        raise ValueError("the function returned no proxy response object")
    status = result.get("statusCode")
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"statusCode {status!r} is not an HTTP status")
    headers: dict[str, list[str]] = {}
    for name, value in (result.get("headers") or {}).items():
        headers[str(name)] = [str(value)]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.setdefault(str(name), [])
        headers[str(name)] += [str(v) for v in values if str(v) not in headers[str(name)]]
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise ValueError("body must be a string")
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return status, [(name, value) for name, values in headers.items() for value in values], raw
