"""The API app factory: one Powertools REST resolver per service, with the house rules built in.

- every request needs a valid principal (Cognito claims) before it reaches a route;
- request bodies above the configured size are refused with 413;
- a correlation id (incoming ``x-correlation-id`` or the API Gateway request id) is bound to every log line
  and every event the request causes, and returned in the response;
- one mapping from errors to ``{code, message, details}`` with the right status.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

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
)
from services.shared.observability import logger
from services.shared.principal import Principal, Role
from services.shared.settings import get_settings

CORRELATION_HEADER = "x-correlation-id"
Middleware = Callable[[APIGatewayRestResolver, NextMiddleware], Response]

_principal: ContextVar[Principal | None] = ContextVar("principal", default=None)

SECURITY_SCHEMES = {"cognito": HTTPBearer(scheme="bearer", bearerFormat="JWT", description="Cognito ID token")}


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


def _correlate(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    event = app.current_event
    incoming = (event.headers or {}).get(CORRELATION_HEADER) or event.request_context.request_id
    bound = correlation.bind(incoming)
    logger().set_correlation_id(bound)
    response = next_middleware(app)
    response.headers[CORRELATION_HEADER] = bound
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _limit_body(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    body = app.current_event.body or ""
    size = len(base64.b64decode(body, validate=False)) if app.current_event.is_base64_encoded else len(body.encode())
    limit = get_settings().max_body_bytes
    if size > limit:
        return _error(
            PayloadTooLarge(
                f"the request body is {size} bytes; at most {limit} are accepted", details={"limit_bytes": limit}
            )
        )
    return next_middleware(app)


def _authenticate(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    event = app.current_event
    claims = (
        (event.request_context.authorizer.raw_event or {}).get("claims") if event.request_context.authorizer else None
    )
    identity = event.request_context.identity
    try:
        principal = Principal.from_claims(claims or {}, source_ip=identity.source_ip, application=identity.user_agent)
    except Unauthenticated as error:
        return _error(error)
    if principal.region != get_settings().region:
        return _error(Unauthenticated("the token was not issued for this region"))
    token = _principal.set(principal)
    try:
        logger().append_keys(user_id=principal.user_id)
        return next_middleware(app)
    finally:
        _principal.reset(token)


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
    app.configure_openapi(
        title=f"Jeugdketen {service}",
        version=version,
        description=description,
        security_schemes=SECURITY_SCHEMES,  # type: ignore[arg-type]
        security=[{"cognito": []}],
    )
    app.use(middlewares=[_correlate, _limit_body, _authenticate])

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
    """The Lambda entry point for a service's API function."""

    @entrypoint(component)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

    return handler
