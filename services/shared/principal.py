"""Who is calling: parsed from the Cognito authorizer claims of a REST proxy event, plus declarative role checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.shared.errors import Unauthenticated


class Role(StrEnum):
    PROFESSIONAL = "professional"
    MATCHREGIE = "matchregie"  # municipal match follow-up officer
    NURSE = "nurse"
    PARENT = "parent"
    YOUTH = "youth"
    MUNICIPALITY = "municipality"  # policy officer: statistics, privacy requests
    REGION_ADMIN = "region_admin"
    PLANNER = "planner"  # plans the 24/7 roster of their own organisation


class Principal(BaseModel):
    """An authenticated user (or a system actor) and the access point they came through (NEN 7513)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(min_length=1, max_length=128)
    username: str = Field(min_length=1, max_length=128)
    roles: frozenset[Role] = frozenset()
    organization: str | None = None
    municipality: str | None = None
    region: str
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    source_ip: str | None = None
    application: str | None = Field(default=None, max_length=512)
    system: bool = False

    def has_any(self, roles: Iterable[Role]) -> bool:
        return bool(self.roles & frozenset(roles))

    @classmethod
    def for_system(cls, component: str, region: str) -> Principal:
        """The actor for work no person started (a sweeper, a consumer)."""
        return cls(user_id=f"system:{component}", username=component, region=region, system=True)

    @classmethod
    def from_claims(
        cls, claims: Mapping[str, Any], *, source_ip: str | None = None, application: str | None = None
    ) -> Principal:
        """Build the principal from authorizer claims. REST API authorizers pass every claim as a string."""
        if not claims or not claims.get("sub"):
            raise Unauthenticated("a valid token is required")
        if claims.get("token_use") not in (None, "id"):
            raise Unauthenticated("an ID token is required")
        given, family = claims.get("given_name"), claims.get("family_name")
        name = claims.get("name") or (" ".join(p for p in (given, family) if p) or None)
        try:
            return cls(
                user_id=str(claims["sub"]),
                username=str(claims.get("cognito:username") or claims.get("username") or claims["sub"]),
                roles=parse_groups(claims.get("cognito:groups")),
                organization=_opt(claims.get("custom:organization")),
                municipality=_opt(claims.get("custom:municipality")),
                region=str(claims.get("custom:region") or ""),
                email=_opt(claims.get("email")),
                phone=_opt(claims.get("phone_number")),
                name=_opt(name),
                source_ip=source_ip,
                application=application[:512] if application else None,
            )
        except ValidationError as error:
            raise Unauthenticated("the token's claims are incomplete") from error


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def parse_groups(raw: Any) -> frozenset[Role]:
    """``cognito:groups`` as a list (JWT), or ``"a,b"`` / ``"[a b]"`` (REST authorizer strings).

    Groups that are not roles are ignored.
    """
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        parts = raw.strip().strip("[]").replace(",", " ").split()
    else:
        parts = [str(p) for p in raw]
    known = {r.value for r in Role}
    return frozenset(Role(p) for p in parts if p in known)
