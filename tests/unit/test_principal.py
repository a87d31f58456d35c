from __future__ import annotations

import pytest

from services.shared.errors import Unauthenticated
from services.shared.principal import Principal, Role, parse_groups

CLAIMS = {
    "sub": "5f0c-anna",
    "cognito:username": "anna.jgz",
    "cognito:groups": "professional",
    "token_use": "id",
    "custom:organization": "demo-jgz-groningen",
    "custom:region": "groningen",
    "email": "anna@demo.jeugdketen.nl",
    "phone_number": "+31600000001",
    "name": "Anna de Vries",
    "exp": "Fri Nov 22 10:00:00 UTC 2026",
}


@pytest.mark.parametrize(
    "raw",
    [
        "professional,matchregie",
        "[professional matchregie]",
        "[professional, matchregie]",
        ["professional", "matchregie"],
    ],
)
def test_groups_are_read_in_every_shape_the_authorizer_uses(raw: object) -> None:
    assert parse_groups(raw) == {Role.PROFESSIONAL, Role.MATCHREGIE}


def test_unknown_groups_give_no_role() -> None:
    assert parse_groups("admins,professional") == {Role.PROFESSIONAL}
    assert parse_groups(None) == frozenset()


def test_principal_from_rest_authorizer_claims() -> None:
    principal = Principal.from_claims(CLAIMS, source_ip="10.0.0.1", application="JeugdketenApp/1.0")
    assert principal.user_id == "5f0c-anna"
    assert principal.username == "anna.jgz"
    assert principal.roles == {Role.PROFESSIONAL}
    assert principal.organization == "demo-jgz-groningen"
    assert principal.municipality is None
    assert principal.region == "groningen"
    assert principal.phone == "+31600000001"
    assert principal.source_ip == "10.0.0.1"
    assert principal.has_any([Role.PROFESSIONAL, Role.NURSE])
    assert not principal.has_any([Role.PARENT])


@pytest.mark.parametrize(
    "claims",
    [{}, {**CLAIMS, "sub": ""}, {**CLAIMS, "token_use": "access"}, {k: v for k, v in CLAIMS.items() if k != "sub"}],
)
def test_missing_or_wrong_claims_are_unauthenticated(claims: dict[str, str]) -> None:
    with pytest.raises(Unauthenticated):
        Principal.from_claims(claims)


def test_system_actor_has_no_roles() -> None:
    actor = Principal.for_system("signals-sweeper", "groningen")
    assert actor.system and not actor.roles and actor.user_id == "system:signals-sweeper"
