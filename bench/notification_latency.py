"""End-to-end latency on the local host: from ``POST /signals`` (the second signal, which makes a match) to
the match notice being readable in the first signaller's inbox (``GET /notifications``).

The path is the whole platform: the signals API writes the match and its outbox event in one transaction,
the stream poller hands the outbox record to the relay, the relay puts the event on the bus, the rule
routes it to the notifications queue, the queue poller hands it to the consumer, which writes the inbox
item. Printed beside the local host's polling intervals (which dominate it; on AWS, Lambda's pollers are
continuous) and beside a baseline measured in the same run: the round trip of the ``POST /signals`` itself.

    python -m bench.notification_latency [--matches 50]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from infra.local.pollers import STREAM_IDLE_WAIT
from services.shared.bsn import is_valid_bsn
from tests.e2e.conftest import RunningHost, start_host

SEEDED = {"999990019", "999990032"}  # the demo seed's youths (infra/local/seed.py)
DEADLINE_SECONDS = 30.0
POLL_SECONDS = 0.05  # often enough to see the item soon; rarely enough not to load the host itself


def test_bsns() -> Iterator[str]:
    """BSNs from the range the RvIG keeps for testing that pass the 11-proef, the seeded ones left out."""
    for number in range(999990000, 1000000000):
        candidate = str(number)
        if candidate not in SEEDED and is_valid_bsn(candidate):
            yield candidate


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[index]


def one_match(host: RunningHost, bsn: str, anna: dict[str, str], bram: dict[str, str]) -> tuple[float, float]:
    """(seconds from sending Bram's signal until Anna can read the notice, seconds the POST itself took)."""
    body = {"bsn": bsn, "birth_date": "2015-06-01", "municipality": "GM0014"}
    first = host.http.post(host.url("/signals"), json=body, headers=anna)
    assert first.status_code == 201, first.text
    started = time.perf_counter()
    second = host.http.post(host.url("/signals"), json=body, headers=bram)
    posted = time.perf_counter() - started
    assert second.status_code == 201 and second.json()["match_id"], second.text
    link = f"/signals/matches/{second.json()['match_id']}"
    deadline = started + DEADLINE_SECONDS
    while time.perf_counter() < deadline:
        inbox = host.http.get(host.url("/notifications?limit=5"), headers=anna)
        assert inbox.status_code == 200, inbox.text
        if any(item["link"] == link for item in inbox.json()["items"]):
            return time.perf_counter() - started, posted
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"no inbox item for {link} within {DEADLINE_SECONDS:.0f}s; see {host.log_path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=50)
    args = parser.parse_args()
    if args.matches < 50:
        parser.error("at least 50 matches")

    with tempfile.TemporaryDirectory(prefix="jk-latency-") as directory:
        host = start_host(Path(directory), tick_seconds=3600, extra_manifests=())
        try:
            anna, bram = host.auth("anna.jgz"), host.auth("bram.school")
            bsns = test_bsns()
            one_match(host, next(bsns), anna, bram)  # warm-up: imports, caches, the first connections
            latencies, posts = [], []
            for _ in range(args.matches):
                latency, posted = one_match(host, next(bsns), anna, bram)
                latencies.append(latency)
                posts.append(posted)
        finally:
            host.stop()

    ms = 1000.0
    print(f"POST /signals (match) -> inbox item readable, local host, {args.matches} matches")
    print(f"{'':<34}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    print(f"{'match notice in the inbox':<34}{percentile(latencies, 50) * ms:>9.0f}"
          f"{percentile(latencies, 99) * ms:>9.0f}{max(latencies) * ms:>9.0f}")  # fmt: skip
    print(f"{'baseline: the POST /signals itself':<34}{percentile(posts, 50) * ms:>9.0f}"
          f"{percentile(posts, 99) * ms:>9.0f}{max(posts) * ms:>9.0f}")  # fmt: skip
    low, high = STREAM_IDLE_WAIT
    print(f"local host polling: stream idle wait {low * ms:.0f}-{high * ms:.0f} ms, queue long poll up to 1 s "
          f"(returns on arrival); inbox polled every {POLL_SECONDS * ms:.0f} ms by this benchmark")  # fmt: skip
    print(f"notice latency / POST round trip (p50): {percentile(latencies, 50) / percentile(posts, 50):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
