"""AWS calls per plans operation, counted through a botocore hook, beside the minimum the design needs.

Runs the plans API handler in-process against moto like ``bench.signal_calls`` (whose counting and table it
uses), after a warm-up, so clients and settings are not counted, as on a warm Lambda. The plan is one document:
a read is one get of it plus the audit record; a change is one get and one transaction (the plan, its history
entry, the events and the audit record together). No API operation may scan.

    python -m bench.plan_calls
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from bench.signal_calls import counted_region, counting, invoke, report

MINIMUM: dict[str, dict[str, int]] = {
    "read plan": {"dynamodb.GetItem": 1, "dynamodb.PutItem": 1},
    "update an action": {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1},
    "give consent": {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1},
}
SCHOOL = "demo-school-groningen"


def main() -> int:
    from tests.services.conftest import claims

    with counted_region():
        from services.plans.handlers.api import handler
        from services.shared import clock

        anna = claims()  # a professional: starts the plan and coordinates it
        eva = claims(sub="user-eva", **{"cognito:username": "eva.ouder", "cognito:groups": "parent"}, name="Eva")
        eva.pop("custom:organization")

        plan: dict[str, Any] = {}  # the plan as the last caller saw it

        def call(who: dict[str, str], method: str, path: str, body: Any = None) -> dict[str, Any]:
            """The plan as the caller sees it after the request; writes send the version they last saw."""
            headers = {"If-Match": f'"{plan["version"]}"'} if method != "GET" and plan else None
            plan.update(invoke(handler, who, method, path, body, headers))
            return plan

        child = {"display_name": "Kind", "birth_date": date(clock.now().year - 8, 1, 1).isoformat()}  # under 12
        call(
            anna,
            "POST",
            "/plans",
            {
                "children": [child],
                "parents": [{"display_name": "Eva", "authority": True, "user_id": "user-eva"}],
                "network": [
                    {"kind": "professional", "display_name": "Bram", "role": "leerkracht", "organization": SCHOOL}
                ],
            },
        )
        plan_id = plan["id"]
        owner = next(n["id"] for n in plan["network"] if n["organization"] == SCHOOL)
        call(anna, "POST", f"/plans/{plan_id}/actions", {"description": "Gesprek plannen", "owner": owner})
        call(anna, "GET", f"/plans/{plan_id}")  # warm-up: the audit table's client, the reader's path
        action = plan["actions"][0]["id"]
        operations: dict[str, Callable[[], object]] = {
            "read plan": lambda: call(anna, "GET", f"/plans/{plan_id}"),
            "update an action": lambda: call(anna, "PATCH", f"/plans/{plan_id}/actions/{action}", {"status": "done"}),
            "give consent": lambda: call(eva, "POST", f"/plans/{plan_id}/consents", {"organization": SCHOOL}),
        }
        measured: dict[str, Counter[str]] = {}
        for name, operation in operations.items():
            with counting() as calls:
                operation()
            measured[name] = Counter(calls)
        assert plan["consents"] and plan["actions"][0]["status"] == "done"

    return report("plans", measured, MINIMUM)


if __name__ == "__main__":
    sys.exit(main())
