"""The one block the local host prints when it is ready."""

from __future__ import annotations

from infra.local.host import HostInfo
from infra.local.seed import DEMO_SIGNALS_SUMMARY


def ready_block(info: HostInfo) -> str:
    api = info.api_url
    width = max(len(u["username"]) for u in info.users) + 2
    roles_width = max(len(", ".join(u["roles"])) for u in info.users) + 2
    users = [
        f"    {u['username']:<{width}}{', '.join(u['roles']):<{roles_width}}{u['description']}" for u in info.users
    ]
    token = (
        f"    TOKEN=$(curl -s -X POST {api}/local/token -H 'content-type: application/json' \\\n"
        f'      -d \'{{"username": "anna.jgz", "password": "{info.password}"}}\' \\\n'
        "      | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"id_token\"])')\n"
        f'    curl -s {api}/signals/health -H "Authorization: Bearer $TOKEN"'
    )
    rule = "=" * 100
    lines = [
        rule,
        f"  Jeugdketen local host: {info.display_name} ({info.region}) is ready ({info.started_in_seconds:.1f} s)",
        rule,
        f"  API          {api}   (/signals /plans /video /notifications; Cognito ID token as Bearer)",
        f"  Docs         {info.docs_url}   OpenAPI: {api}/openapi.json",
        f"  moto (AWS)   {info.moto_url}   AWS region {info.aws_region}, account {info.account}, any credentials",
        f"  Region       {info.region}, event bus {info.event_bus}",
        f"  User pool    {info.user_pool_id}   app client {info.client_id}",
        f"  Demo users   (password {info.password})",
        *users,
        "  Get a token and call the API:",
        token,
        f"  Demo signals {DEMO_SIGNALS_SUMMARY}; see the match as anna.jgz:",
        f'    curl -s {api}/signals/matches -H "Authorization: Bearer $TOKEN"',
        f'  Time travel  curl -s -X POST {api}/local/clock -d \'{{"advance": "P1D"}}\'   (forward only; sweepers run)',
        "  E-mail/SMS   nothing is sent yet; once notifications send them they can be read back from moto:",
        f"               curl -s {info.moto_url}/moto-api/data.json",
        "  Stop         Ctrl-C",
        rule,
    ]
    if info.extra_manifests:
        lines.insert(5, f"  Extra        {', '.join(info.extra_manifests)}")
    return "\n".join(lines)
