"""The one block the local host prints when it is ready."""

from __future__ import annotations

from infra.local.host import HostInfo
from infra.local.seed import DEMO_PLAN_SUMMARY, DEMO_SIGNALS_SUMMARY

# moto keeps every e-mail SES accepted (``ses.Message``: HTML part, subject, addresses) and every SMS SNS accepted
# (``sns.SMS``) as models, and serves all its models at /moto-api/data.json; this picks those two out.
OUTBOX_FILTER = (
    "import json, sys; d = json.load(sys.stdin); "
    'print(json.dumps({"emails": d.get("ses", {}).get("Message", []), "sms": d.get("sns", {}).get("SMS", [])}, '
    "indent=2))"
)


def outbox_command(moto_url: str) -> str:
    """The shell command that prints the e-mails and SMS sent so far, as JSON (documented in README.md)."""
    return f"curl -s {moto_url}/moto-api/data.json \\\n      | python3 -c '{OUTBOX_FILTER}'"


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
        f"  Demo plan    {DEMO_PLAN_SUMMARY} (GET /plans)",
        f'  Time travel  curl -s -X POST {api}/local/clock -d \'{{"advance": "P1D"}}\'   (forward only; sweepers run)',
        f"  E-mail/SMS   what notifications sent from {info.email_from}, as JSON (e-mails: the HTML part):",
        f"    {outbox_command(info.moto_url)}",
        f"  Push         {', '.join(sorted(info.push_applications)) or 'none'} (SNS platform applications in moto); "
        "pushes are in the same document at sns.PlatformEndpoint[].messages",
        "  Stop         Ctrl-C",
        rule,
    ]
    if info.extra_manifests:
        lines.insert(5, f"  Extra        {', '.join(info.extra_manifests)}")
    return "\n".join(lines)
