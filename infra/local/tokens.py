"""The Cognito authorizer's part: verify an ID token, and turn its claims into what API Gateway passes on.

Verification is what API Gateway's Cognito user-pool authorizer does: the signature against the pool's
JWKS (served by moto), ``exp`` (against the host's clock, so time travel expires tokens), ``aud`` = the app
client, ``token_use`` = id, and the issuer. moto signs with a fixed key and names an AWS issuer
(``https://cognito-idp.<aws-region>.amazonaws.com/<pool id>``); that issuer is accepted here only because
this is the local host.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

MAX_TOKEN_CHARS = 8192
JWKS_REFRESH_SECONDS = 30
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class TokenRejected(Exception):
    """The token is missing, malformed, forged, tampered with, expired or not meant for this API."""


def moto_issuer(aws_region: str, pool_id: str) -> str:
    return f"https://cognito-idp.{aws_region}.amazonaws.com/{pool_id}"


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization`` header: ``Bearer <token>`` (or the bare token, as API Gateway accepts)."""
    if not authorization:
        raise TokenRejected("a bearer token is required (Authorization: Bearer <id token>)")
    scheme, _, rest = authorization.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else authorization.strip()
    if not token:
        raise TokenRejected("a bearer token is required (Authorization: Bearer <id token>)")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenRejected("the token is too long")
    return token


class CognitoVerifier:
    def __init__(self, *, jwks_url: str, issuer: str, client_id: str, now: Callable[[], datetime]) -> None:
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._client_id = client_id
        self._now = now
        self._lock = threading.Lock()
        self._keys: Any = None
        self._fetched_at = 0.0

    def _key_set(self, refresh: bool = False) -> Any:
        from joserfc.jwk import KeySet

        with self._lock:
            stale = time.monotonic() - self._fetched_at > JWKS_REFRESH_SECONDS
            if self._keys is None or (refresh and stale):
                with urllib.request.urlopen(self._jwks_url, timeout=5) as response:  # noqa: S310 - moto on 127.0.0.1
                    self._keys = KeySet.import_key_set(json.loads(response.read()))
                self._fetched_at = time.monotonic()
            return self._keys

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims if it is a valid ID token of this pool and app client; else ``TokenRejected``."""
        from joserfc import jwt
        from joserfc.errors import ExpiredTokenError, JoseError

        try:
            try:
                decoded = jwt.decode(token, self._key_set(), algorithms=["RS256"])
            except JoseError:
                decoded = jwt.decode(token, self._key_set(refresh=True), algorithms=["RS256"])  # keys rotated?
            registry = jwt.JWTClaimsRegistry(
                now=lambda: int(self._now().timestamp()),
                iss={"essential": True, "value": self._issuer},
                aud={"essential": True, "value": self._client_id},
                token_use={"essential": True, "value": "id"},
                sub={"essential": True},
                exp={"essential": True},
            )
            registry.validate(decoded.claims)
        except ExpiredTokenError:
            raise TokenRejected("the token has expired") from None
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise TokenRejected(f"the token is not valid ({type(error).__name__})") from None
        return dict(decoded.claims)


def api_gateway_date(epoch: float) -> str:
    """``Fri Jul 29 18:52:53 UTC 2016``: how a REST API's Cognito authorizer passes ``exp`` and ``iat``."""
    at = datetime.fromtimestamp(epoch, UTC)
    return f"{_DAYS[at.weekday()]} {_MONTHS[at.month - 1]} {at:%d %H:%M:%S} UTC {at.year}"


def authorizer_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as a REST API passes them to the function: every value a string, lists comma-joined."""
    result: dict[str, str] = {}
    for name, value in claims.items():
        if name in ("exp", "iat") and isinstance(value, int | float) and not isinstance(value, bool):
            result[name] = api_gateway_date(value)
        elif isinstance(value, bool):
            result[name] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            result[name] = ",".join(str(v) for v in value)
        elif isinstance(value, dict):
            result[name] = json.dumps(value, separators=(",", ":"))
        else:
            result[name] = str(value)
    return result


class CognitoSignIn:
    """``USER_PASSWORD_AUTH`` against moto's Cognito: what ``POST /local/token`` uses."""

    def __init__(self, cognito: Any, client_id: str) -> None:
        self._cognito = cognito
        self._client_id = client_id

    def sign_in(self, username: str, password: str) -> tuple[str, int]:
        """The ID token and its lifetime in seconds; ``TokenRejected`` for a wrong username or password."""
        from botocore.exceptions import ClientError

        try:
            result = self._cognito.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"):
                raise TokenRejected("wrong username or password") from None
            if code in ("InvalidParameterException", "PasswordResetRequiredException"):
                raise TokenRejected(f"this user cannot sign in here ({code})") from None
            raise
        authentication = result.get("AuthenticationResult")
        if not authentication:
            challenge = result.get("ChallengeName", "unknown")
            raise TokenRejected(f"signing in needs the {challenge} challenge, which the local host does not offer")
        return authentication["IdToken"], int(authentication["ExpiresIn"])
