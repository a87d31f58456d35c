"""The API app factory: one Powertools REST resolver per service, with the house rules built in.

- every request needs a valid principal (Cognito claims) before it is routed or its body validated;
- request bodies above the configured size are refused with 413 before they are parsed;
- a correlation id (incoming ``x-correlation-id`` or the API Gateway request id) is bound to every log line
  and every event the request causes, and returned in the response;
- one mapping from errors to ``{code, message, details}`` with the right status.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from services.shared import correlation
from services.shared.entrypoint import LambdaHandler, entrypoint
from services.shared.errors import (
    BadRequest,
    DomainError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    Unprocessable,
    UnsupportedMediaType,
)
from services.shared.observability import logger
from services.shared.principal import Principal, Role
from services.shared.settings import get_settings

CORRELATION_HEADER = "x-correlation-id"
Middleware = Callable[[APIGatewayRestResolver, NextMiddleware], Response]

_principal: ContextVar[Principal | None] = ContextVar("principal", default=None)


def current_principal() -> Principal:
    """The caller of the request being handled. Only reachable after authentication succeeded."""
    principal = _principal.get()
    if principal is None:
        raise Unauthenticated("a valid token is required")
    return principal


def _error(error: DomainError) -> Response:
    return Response(status_code=error.status, content_type="application/json", body=error.to_body())


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc if part != "body" or len(loc) == 1) or "body"


def _proxy_response(error: DomainError, correlation_id: str) -> dict[str, Any]:
    return {
        "statusCode": error.status,
        "multiValueHeaders": {"Content-Type": ["application/json"], **_house_headers(correlation_id)},
        "body": json.dumps(error.to_body()),
        "isBase64Encoded": False,
    }


def _house_headers(correlation_id: str) -> dict[str, list[str]]:
    return {CORRELATION_HEADER: [correlation_id], "Cache-Control": ["no-store"], "X-Content-Type-Options": ["nosniff"]}


def _body_size(event: APIGatewayProxyEvent) -> int:
    body = event.body or ""
    if event.is_base64_encoded:
        return len(base64.b64decode(body, validate=False))
    return len(body.encode())


def _principal_of(event: APIGatewayProxyEvent) -> Principal:
    authorizer = event.request_context.authorizer
    claims = (authorizer.raw_event or {}).get("claims") if authorizer else None
    identity = event.request_context.identity
    principal = Principal.from_claims(claims or {}, source_ip=identity.source_ip, application=identity.user_agent)
    if principal.region != get_settings().region:
        raise Unauthenticated("the token was not issued for this region")
    return principal


def _admit(event: APIGatewayProxyEvent) -> Principal:
    """The checks every request passes before routing (and before Powertools validates the body)."""
    limit = get_settings().max_body_bytes
    size = _body_size(event)
    if size > limit:
        raise PayloadTooLarge(
            f"the request body is {size} bytes; at most {limit} are accepted", details={"limit_bytes": limit}
        )
    return _principal_of(event)


def requires(*roles: Role) -> Middleware:
    """A route middleware: only callers with one of ``roles`` get through (403 otherwise)."""
    wanted = frozenset(roles)

    def check(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        principal = current_principal()
        if not principal.has_any(wanted):
            names = ", ".join(sorted(r.value for r in wanted))
            return _error(
                Forbidden(
                    f"this action needs the role {names}",
                    code="role_required",
                    details={"required_roles": sorted(r.value for r in wanted)},
                )
            )
        return next_middleware(app)

    check.__name__ = f"requires_{'_'.join(sorted(r.value for r in wanted))}"
    return check


def create_app(*, service: str, version: str, description: str) -> APIGatewayRestResolver:
    """A resolver for one service, with validation, authentication, limits and error mapping."""
    app = APIGatewayRestResolver(enable_validation=True)
    # The security scheme is added where the region's document is merged (services/shared/openapi.py):
    # importing Powertools' OpenAPI models here would cost every cold start ~100 ms.
    app.configure_openapi(title=f"Jeugdketen {service}", version=version, description=description)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        if error.status >= 500:
            logger().error("dependency failed", extra={"code": error.code})
        return _error(error)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        problems = [
            {"field": _field(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
            for e in error.errors()
        ]
        if any(p["type"] == "json_invalid" for p in problems):
            return _error(BadRequest("the request body is not valid JSON", code="invalid_json"))
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        return _error(Unprocessable(f"invalid request: {summary}", details={"errors": problems}))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(_: RequestUnsupportedContentType) -> Response:
        return _error(UnsupportedMediaType("send the body as application/json", code="unsupported_media_type"))

    @app.exception_handler(RecursionError)
    def _too_deep(_: RecursionError) -> Response:  # JSON nested thousands deep, within the body limit
        return _error(BadRequest("the request body is not valid JSON for this API", code="invalid_json"))

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return _error(NotFound("no such resource"))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger().exception("unhandled error")
        return Response(
            status_code=500,
            content_type="application/json",
            body={
                "code": "internal_error",
                "message": "something went wrong on our side",
                "details": {"correlation_id": correlation.current()},
            },
        )

    return app


def lambda_handler(app: APIGatewayRestResolver, component: str) -> LambdaHandler:
    """The Lambda entry point of a service's API function.

    Correlation, the body limit and authentication happen here, before routing, so a request without a
    valid principal never reaches a route, nor even the validation of its body.
    """

    @entrypoint(component)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        proxy = APIGatewayProxyEvent(event)
        headers = {k.lower(): v for k, v in (proxy.headers or {}).items()}
        correlation_id = correlation.bind(headers.get(CORRELATION_HEADER) or proxy.request_context.request_id)
        logger().set_correlation_id(correlation_id)
        try:
            principal = _admit(proxy)
        except DomainError as error:
            logger().info("request refused before routing", extra={"status": error.status, "code": error.code})
            return _proxy_response(error, correlation_id)
        logger().append_keys(user_id=principal.user_id)
        token = _principal.set(principal)
        try:
            response = app.resolve(event, context)
        finally:
            _principal.reset(token)
        response_headers = response.setdefault("multiValueHeaders", {})
        for name, values in _house_headers(correlation_id).items():
            response_headers.setdefault(name, values)
        return response

    return handler
