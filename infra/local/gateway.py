"""The local API gateway: what API Gateway (REST, Cognito authorizer, Lambda proxy) does on AWS.

Routes, in order:

- ``GET /openapi.json`` and ``GET /docs`` (Swagger UI, assets from the Powertools package): no token;
- ``POST /local/token`` and ``GET|POST /local/clock``: local-only helpers (sign-in, time travel);
- ``/<prefix>`` and ``/<prefix>/{proxy+}`` of each service: the ID token is verified, a REST proxy event is
  built and the service's API handler is called in-process; its status, headers and body are returned;
- anything else: 404.

Every answer the gateway gives itself is ``{code, message, details}`` JSON; bad input never crashes it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from infra.local.functions import LocalFunction
from infra.local.moto_server import check_port_free
from infra.local.proxy import IncomingRequest, proxy_event, response_parts
from infra.local.ticker import parse_advance
from infra.local.tokens import CognitoSignIn, CognitoVerifier, TokenRejected, authorizer_claims, bearer_token

log = logging.getLogger("infra.local.gateway")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_HEADER_BYTES = 10 * 1024  # API Gateway's limit on the request line and headers together
MAX_LOCAL_BODY_BYTES = 4096
PROXY_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
SWAGGER_ASSETS = {"swagger-ui-bundle.min.js": "application/javascript", "swagger-ui.min.css": "text/css"}
DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Jeugdketen API - local host</title>
  <link rel="stylesheet" href="/docs/swagger-ui.min.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.min.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    });
  </script>
</body>
</html>
"""


def error(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    body = json.dumps({"code": code, "message": message, "details": details or {}})
    return Response(body, status=status, content_type="application/json")


def ok(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class _JsonErrorsRequestHandler(WSGIRequestHandler):
    """Errors the HTTP server answers itself (request line or headers it cannot parse) as JSON too."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        short = BaseHTTPRequestHandler.responses.get(code, ("error", ""))[0]
        body = json.dumps(
            {"code": "bad_request" if code < 500 else "server_error", "message": message or short, "details": {}}
        ).encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, short)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the gateway logs its own access lines


@dataclass
class GatewayConfig:
    account: str
    aws_region: str
    api_id: str


class Gateway:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        routes: dict[str, LocalFunction],
        verifier: CognitoVerifier,
        sign_in: CognitoSignIn,
        now: Callable[[], datetime],
        travel: Callable[[Any], dict[str, Any]],
        clock_state: Callable[[], dict[str, Any]],
        openapi: Callable[[str], dict[str, Any]],
        config: GatewayConfig,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.port = 0
        self._routes = routes
        self._verifier = verifier
        self._sign_in = sign_in
        self._now = now
        self._travel = travel
        self._clock_state = clock_state
        self._openapi_for = openapi
        self._openapi_lock = threading.Lock()
        self._openapi: bytes | None = None
        self._config = config
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- serving --------------------------------------------------------------------------------------
    def start(self) -> None:
        check_port_free(self.host, self.requested_port, "--api-port")
        self._server = make_server(
            self.host, self.requested_port, self, threaded=True, request_handler=_JsonErrorsRequestHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.name = "gateway"
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES
        try:
            response = self._dispatch(request)
        except HTTPException as http_error:  # e.g. the body exceeds the limit
            response = error(
                http_error.code or 400,
                "payload_too_large" if http_error.code == 413 else "bad_request",
                http_error.description or http_error.name,
            )
        except Exception:
            log.exception("the gateway failed on %s %s", request.method, request.path[:200])
            response = error(500, "internal_error", "the local gateway failed; see its log")
        log.info(
            "%s %s %d %.0fms",
            request.method,
            request.path[:200],
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        header_bytes = sum(len(name) + len(value) + 4 for name, value in request.headers.items())
        if header_bytes + len(request.full_path) > MAX_HEADER_BYTES:
            return error(431, "headers_too_large", f"the request line and headers exceed {MAX_HEADER_BYTES} bytes")
        path = request.path
        if path == "/openapi.json":
            return self._only(request, ("GET", "HEAD")) or self._openapi_document()
        if path in ("/docs", "/docs/"):
            return self._only(request, ("GET", "HEAD")) or Response(DOCS_PAGE, content_type="text/html; charset=utf-8")
        if path.startswith("/docs/") and path[len("/docs/") :] in SWAGGER_ASSETS:
            return self._only(request, ("GET", "HEAD")) or self._swagger_asset(path[len("/docs/") :])
        if path == "/local/token":
            return self._only(request, ("POST",)) or self._token(request)
        if path == "/local/clock":
            return self._only(request, ("GET", "POST")) or self._clock(request)
        prefix = "/" + path.lstrip("/").split("/", 1)[0]
        function = self._routes.get(prefix)
        # As on AWS: the resource /<prefix> itself and /<prefix>/{proxy+} (which needs at least one character).
        if function is None or not (path == prefix or path.startswith(prefix + "/")) or path == prefix + "/":
            return error(404, "not_found", "no such resource", {"path": path[:200]})
        return self._proxy(request, prefix, function)

    @staticmethod
    def _only(request: Request, methods: tuple[str, ...]) -> Response | None:
        if request.method in methods:
            return None
        response = error(405, "method_not_allowed", f"use {' or '.join(methods)}")
        response.headers["Allow"] = ", ".join(methods)
        return response

    # -- documents ------------------------------------------------------------------------------------
    def _openapi_document(self) -> Response:
        with self._openapi_lock:
            if self._openapi is None:
                self._openapi = json.dumps(self._openapi_for(self.url)).encode()
        return Response(self._openapi, content_type="application/json")

    @cached_property
    def _swagger_dir(self) -> Path:
        from aws_lambda_powertools.event_handler.openapi import swagger_ui

        return Path(swagger_ui.__file__).parent

    def _swagger_asset(self, name: str) -> Response:
        response = Response((self._swagger_dir / name).read_bytes(), content_type=SWAGGER_ASSETS[name])
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response

    # -- local helpers ----------------------------------------------------------------------------------
    @staticmethod
    def _json_object(request: Request) -> dict[str, Any] | Response:
        if (request.content_length or 0) > MAX_LOCAL_BODY_BYTES:
            return error(413, "payload_too_large", f"at most {MAX_LOCAL_BODY_BYTES} bytes")
        raw = request.get_data(cache=False)
        if len(raw) > MAX_LOCAL_BODY_BYTES:
            return error(413, "payload_too_large", f"at most {MAX_LOCAL_BODY_BYTES} bytes")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return error(422, "validation_error", "the body must be a JSON object")
        if not isinstance(body, dict):
            return error(422, "validation_error", "the body must be a JSON object")
        return body

    def _token(self, request: Request) -> Response:
        body = self._json_object(request)
        if isinstance(body, Response):
            return body
        username, password = body.get("username"), body.get("password")
        problems = [
            {"field": name, "message": "a non-empty string of at most 256 characters is required"}
            for name, value in (("username", username), ("password", password))
            if not isinstance(value, str) or not value or len(value) > 256
        ]
        if problems:
            return error(422, "validation_error", "username and password are required", {"errors": problems})
        try:
            token, expires_in = self._sign_in.sign_in(str(username), str(password))
        except TokenRejected as rejected:
            return error(401, "unauthenticated", str(rejected))
        return ok({"id_token": token, "expires_in": expires_in})

    def _clock(self, request: Request) -> Response:
        if request.method == "GET":
            return ok(self._clock_state())
        body = self._json_object(request)
        if isinstance(body, Response):
            return body
        try:
            delta = parse_advance(body.get("advance"))
        except ValueError as invalid:
            return error(
                422, "validation_error", str(invalid), {"errors": [{"field": "advance", "message": str(invalid)}]}
            )
        return ok(self._travel(delta))

    # -- the API ----------------------------------------------------------------------------------------
    def _proxy(self, request: Request, prefix: str, function: LocalFunction) -> Response:
        if request.method not in PROXY_METHODS:
            return error(405, "method_not_allowed", f"{request.method[:20]} is not supported")
        try:
            claims = self._verifier.verify(bearer_token(request.headers.get("Authorization")))
        except TokenRejected as rejected:
            response = error(401, "unauthenticated", str(rejected))
            response.headers["WWW-Authenticate"] = 'Bearer realm="jeugdketen"'
            return response
        incoming = IncomingRequest(
            method=request.method,
            path=request.path,
            headers=list(request.headers.items()),
            query=list(request.args.items(multi=True)),
            body=request.get_data(cache=False),
            source_ip=request.remote_addr or "127.0.0.1",
            host=request.host,
        )
        event = proxy_event(
            incoming,
            prefix=prefix,
            claims=authorizer_claims(claims),
            account=self._config.account,
            api_id=self._config.api_id,
            aws_region=self._config.aws_region,
            now=self._now(),
        )
        request_id = event["requestContext"]["requestId"]
        try:
            result = function.invoke(event)
            status, headers, body = response_parts(result)
        except Exception:
            log.exception("%s failed on %s %s", function.name, request.method, request.path[:200])
            response = error(502, "bad_gateway", "the function failed", {"request_id": request_id})
        else:
            response = Response(body, status=status)
            response.headers.clear()
            for name, value in headers:
                response.headers.add(name, value)
        response.headers["x-amzn-RequestId"] = request_id
        response.headers.setdefault("Content-Type", "application/json")
        return response


def new_api_id() -> str:
    return uuid.uuid4().hex[:10]
