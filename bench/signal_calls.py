"""AWS calls per signals operation, counted through a botocore hook, beside the minimum the design needs.

Runs the signals API handler in-process against moto (no network, no account) and counts every AWS API call
each operation makes, by service and operation, after one warm-up request (so the cached region config is
not counted, as on a warm Lambda). The minimum is what the design needs: e.g. a registration is one query
per matching key, one transaction (signal, keys, matches, events and the audit record together), one HMAC
per pseudonym and one encryption. No API operation may scan.

    python -m bench.signal_calls
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.session

CALLS: Counter[str] = Counter()


def _count(event_name: str, **_: Any) -> None:
    # event_name is "before-call.<service>.<Operation>"
    _, service, operation = event_name.split(".", 2)
    CALLS[f"{service}.{operation}"] += 1


_create_client = botocore.session.Session.create_client


def _create_counted_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
    client = _create_client(self, *args, **kwargs)
    client.meta.events.register("before-call.*.*", _count)
    return client


def count_every_client() -> None:
    """From now on every botocore client counts its calls in ``CALLS`` (call before the first client is made)."""
    botocore.session.Session.create_client = _create_counted_client  # type: ignore[method-assign]


@contextmanager
def counting() -> Iterator[Counter[str]]:
    CALLS.clear()
    yield CALLS


@contextmanager
def counted_region() -> Iterator[None]:
    """Inside: the Groningen region in moto as the service tests provision it, every AWS call counted."""
    from moto import mock_aws

    from tests.services.conftest import BASE_ENV, provision_region

    os.environ.update(BASE_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    count_every_client()
    with mock_aws():
        provision_region(os.environ.__setitem__)
        yield


def invoke(
    handler: Callable[..., dict[str, Any]],
    who: dict[str, str],
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Call an API handler as ``who`` (ID token claims) with an API Gateway event; the answer's JSON body."""
    from tests.services.conftest import LambdaContext, api_event

    response = handler(api_event(method, path, body=body, claims_=who, headers=headers), LambdaContext())
    if response["statusCode"] >= 300:
        raise SystemExit(f"{method} {path}: {response['statusCode']} {response['body']}")
    return json.loads(response["body"])  # type: ignore[no-any-return]


# The minimum per operation, by AWS operation, for the requests measured below.
MINIMUM: dict[str, dict[str, int]] = {
    # a youth key only: 1 HMAC (youth), 1 encryption (the signaller's copy), 1 query (the key), 1 transaction
    "register, no match": {
        "kms.GenerateMac": 1,
        "kms.Encrypt": 1,
        "dynamodb.Query": 1,
        "dynamodb.TransactWriteItems": 1,
    },
    # the same: the match is decided from the key's query and written in the same transaction
    "register, forms a match": {
        "kms.GenerateMac": 1,
        "kms.Encrypt": 1,
        "dynamodb.Query": 1,
        "dynamodb.TransactWriteItems": 1,
    },
    # with a parent and an address: two more keys, each one HMAC and one query
    "register, youth+parent+address": {
        "kms.GenerateMac": 3,
        "kms.Encrypt": 1,
        "dynamodb.Query": 3,
        "dynamodb.TransactWriteItems": 1,
    },
    # one index query for the caller's parties, one query per match on the page, the audit records (one write)
    "list matches (page of 1)": {"dynamodb.Query": 2, "dynamodb.PutItem": 1},
    "get signal": {"dynamodb.GetItem": 1, "dynamodb.PutItem": 1, "kms.Decrypt": 1},
    "withdraw": {"dynamodb.GetItem": 1, "dynamodb.TransactWriteItems": 1},
}


def _bsn(n: int) -> str:
    from services.shared.bsn import is_valid_bsn

    candidate, found = 100000000, -1
    while True:
        candidate += 1
        if is_valid_bsn(str(candidate)):
            found += 1
            if found == n:
                return str(candidate)


def main() -> int:
    from tests.services.conftest import claims

    with counted_region():
        from services.signals.handlers.api import handler

        anna = claims()
        bram = claims(sub="user-bram", **{"custom:organization": "demo-school-groningen"}, name="Bram Bakker")

        def call(who: dict[str, str], method: str, path: str, body: Any = None) -> dict[str, Any]:
            return invoke(handler, who, method, path, body)

        def youth(n: int, **extra: Any) -> dict[str, Any]:
            return {"bsn": _bsn(n), "birth_date": "2015-06-01", "municipality": "GM0014", **extra}

        call(anna, "POST", "/signals", youth(0))  # warm-up: region config, clients
        measured: dict[str, Counter[str]] = {}
        operations: list[tuple[str, Callable[[], Any]]] = [
            ("register, no match", lambda: call(anna, "POST", "/signals", youth(1))),
            ("register, forms a match", lambda: call(bram, "POST", "/signals", youth(1))),
            (
                "register, youth+parent+address",
                lambda: call(
                    anna,
                    "POST",
                    "/signals",
                    youth(2, parent_bsns=[_bsn(3)], address={"postcode": "9712CP", "house_number": 3}),
                ),
            ),
        ]
        for name, operation in operations:
            with counting() as calls:
                operation()
            measured[name] = Counter(calls)
        with counting() as calls:
            page = call(bram, "GET", "/signals/matches")
        measured["list matches (page of 1)"] = Counter(calls)
        signal_id = call(anna, "GET", "/signals")["items"][0]["id"]
        with counting() as calls:
            call(anna, "GET", f"/signals/{signal_id}")
        measured["get signal"] = Counter(calls)
        with counting() as calls:
            call(anna, "POST", f"/signals/{signal_id}/withdraw", {"reason": "risk_resolved"})
        measured["withdraw"] = Counter(calls)
        assert len(page["items"]) == 1

    return report("signals", measured, MINIMUM)


def report(service: str, measured: dict[str, Counter[str]], minimum_of: dict[str, dict[str, int]]) -> int:
    """Print the calls of each operation beside its minimum; 1 if an operation scanned, else 0."""
    print(f"AWS calls per {service} operation (moto, warm), beside the design's minimum")
    print(f"{'operation':34} {'calls':>5} {'minimum':>7}  by AWS operation (measured / minimum)")
    worst_excess = 0
    scans = 0
    for name, calls in measured.items():
        minimum = minimum_of[name]
        total, needed = sum(calls.values()), sum(minimum.values())
        worst_excess = max(worst_excess, total - needed)
        scans += sum(n for op, n in calls.items() if op.endswith(".Scan"))
        detail = ", ".join(f"{op} {calls.get(op, 0)}/{minimum.get(op, 0)}" for op in sorted(set(calls) | set(minimum)))
        print(f"{name:34} {total:5d} {needed:7d}  {detail}")
    print(f"scans by API operations: {scans} (must be 0); most calls above the minimum: {worst_excess}")
    return 1 if scans else 0


if __name__ == "__main__":
    sys.exit(main())
