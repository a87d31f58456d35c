"""End-to-end latency on the local host: from a parent's ``POST /video/contacts`` to the offer reaching the nurse
on duty, (a) in ``GET /video/queue`` (``offered_to_you``) and (b) as the ``ContactOffered`` notice in the
nurse's inbox (``GET /notifications``).

(a) is synchronous: the request itself routes the contact and offers it to an available nurse, so the nurse's next
queue read sees it. (b) is the whole event path: the outbox record on the table's stream,
the relay, the bus, the rule, the notifications queue, the consumer, the inbox item. Printed beside the local
host's polling intervals (which dominate (b); on AWS, Lambda's pollers are continuous) and a baseline measured in
the same run: the round trips of the ``POST /video/contacts`` itself and of ``GET /video/health``.

The host's clock travels to the next 03:00 Dutch time (the contact goes to the out-of-hours partner), Hanna
rosters Gert for the night and Gert's app keeps him available with heartbeats. Between contacts Gert accepts and
ends the contact, so every contact finds him free, and the next contact is sent once the last one's notices
(accepted, ended, the handover to Eva's own team) are in: one contact at a time on an idle path, as at night.

    python -m bench.video_offer [--contacts 50]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.notification_latency import percentile
from infra.local.pollers import STREAM_IDLE_WAIT
from tests.e2e.conftest import RunningHost, start_host

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NIGHT = "demo-nacht-noord"  # the Groningen region's out-of-hours partner (infra/regions/groningen.yaml)
DEADLINE_SECONDS = 30.0
SETTLE_SECONDS = 120.0  # not measured: the backlog of the last contact's notices on the one-GIL local host
POLL_SECONDS = 0.05  # often enough to see the offer soon; rarely enough not to load the host itself
HEARTBEAT_SECONDS = 30.0  # the nurse's app: well within the region's presence timeout (90 s)
REQUEST = {"channel": "chat", "topic": "crying"}


def inbox_notices_available() -> bool:
    """Whether the notifications service turns ``ContactOffered`` into an inbox item (its rules table)."""
    from services.notifications.logic.rules import RULES
    from services.shared.contracts.video import ContactOffered

    return ContactOffered in RULES


@dataclass
class Night:
    """The benchmark's actors on the host, and when Gert's app last said he is there."""

    host: RunningHost
    eva: dict[str, str]
    gert: dict[str, str]
    anna: dict[str, str]
    heartbeat_at: float = 0.0
    heartbeats: int = 0
    health: list[float] = field(default_factory=list)

    def call(self, who: dict[str, str], method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.host.http.request(method, self.host.url(path), json=body, headers=who)
        if response.status_code != status:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}; see {self.host.log_path}")
        return response.json()

    def keep_present(self) -> None:
        """Gert's heartbeat, when the last is ``HEARTBEAT_SECONDS`` old (presence expires after 90 s without)."""
        if time.perf_counter() - self.heartbeat_at < HEARTBEAT_SECONDS:
            return
        presence = self.call(self.gert, "PUT", "/video/presence", {"status": "available", "capacity": 3})
        if not presence["on_duty"] or presence["active"]:
            raise SystemExit(f"Gert is not free and on duty: {presence}")
        self.heartbeat_at = time.perf_counter()
        self.heartbeats += 1


def travel_to_three_at_night(host: RunningHost) -> datetime:
    """Forward to the next 03:00 Europe/Amsterdam (the host's clock goes forward only); the host's new now."""
    now = datetime.fromisoformat(host.http.get(host.url("/local/clock")).json()["now"])
    local = now.astimezone(AMSTERDAM)
    target = local.replace(hour=3, minute=0, second=0, microsecond=0)
    if target <= local:
        target = (local + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    seconds = (target.astimezone(now.tzinfo) - now).total_seconds() + 1
    moved = host.http.post(host.url("/local/clock"), json={"advance": seconds})
    if moved.status_code != 200:
        raise SystemExit(f"time travel failed: {moved.status_code} {moved.text}")
    return datetime.fromisoformat(moved.json()["now"])


def set_up_the_night(host: RunningHost) -> Night:
    """03:00 Dutch time, Gert rostered from an hour before for six hours and available (the tokens are taken after
    the travel: the gateway checks ``exp`` against the travelled clock)."""
    now = travel_to_three_at_night(host)
    start = (now - timedelta(hours=1)).astimezone(AMSTERDAM)  # in absolute time: right on a DST night too
    shift = {"nurse": "gert.nacht", "start": start.isoformat(), "end": (start + timedelta(hours=6)).isoformat(),
             "channels": ["chat", "callback", "video"], "languages": ["nl"]}  # fmt: skip
    night = Night(host, eva=host.auth("eva.ouder"), gert=host.auth("gert.nacht"), anna=host.auth("anna.jgz"))
    day = {"organization": NIGHT, "date": start.date().isoformat(), "shifts": [shift]}
    roster = night.call(host.auth("hanna.admin"), "PUT", "/video/roster/shifts", day)
    if [(s["nurse"], s["on_duty_now"]) for s in roster["shifts"]] != [("gert.nacht", True)]:
        raise SystemExit(f"the roster did not put Gert on duty now: {roster}")
    night.keep_present()
    return night


def one_contact(night: Night, *, with_inbox: bool) -> tuple[float, float | None, float]:
    """(seconds from sending the POST until Gert's queue shows the offer, until his inbox does (None without
    notices), seconds the POST itself took). Gert then accepts and ends it, so the next contact finds him free."""
    night.keep_present()
    host, deadline = night.host, time.perf_counter() + DEADLINE_SECONDS
    started = time.perf_counter()
    asked = night.call(night.eva, "POST", "/video/contacts", REQUEST, status=201)
    posted = time.perf_counter() - started
    contact_id = asked["id"]
    if (asked["organization"], asked["status"]) != (NIGHT, "offered"):
        raise SystemExit(f"the contact was not offered to the night's nurse at once: {asked}")
    link = f"/video/contacts/{contact_id}"
    in_queue: float | None = None
    in_inbox: float | None = None
    while in_queue is None or (with_inbox and in_inbox is None):
        if time.perf_counter() > deadline:
            where = "queue" if in_queue is None else "inbox"
            raise SystemExit(f"no offer of {contact_id} in Gert's {where} within {DEADLINE_SECONDS:.0f}s; see "
                             f"{host.log_path}")  # fmt: skip
        if in_queue is None:
            queue = night.call(night.gert, "GET", "/video/queue")
            if any(e["id"] == contact_id and e["offered_to_you"] for e in queue["entries"]):
                in_queue = time.perf_counter() - started
        if with_inbox and in_inbox is None:
            inbox = night.call(night.gert, "GET", "/notifications?limit=5")
            if any(item["link"] == link for item in inbox["items"]):
                in_inbox = time.perf_counter() - started
        if in_queue is None or (with_inbox and in_inbox is None):
            time.sleep(POLL_SECONDS)
    health_started = time.perf_counter()
    night.call(night.eva, "GET", "/video/health")
    night.health.append(time.perf_counter() - health_started)
    night.call(night.gert, "POST", f"{link}/accept")
    night.call(night.gert, "POST", f"{link}/end", {"outcome": "advice"})
    if with_inbox:
        settle(night, link)
    return in_queue, in_inbox, posted


def settle(night: Night, link: str) -> None:
    """Wait until the contact's later notices are in their inboxes (Eva: accepted and ended; Anna, of Eva's own
    JGZ team: the handover), so the next offer's notice does not queue behind them in the notifications consumer
    and each contact is measured on an idle path, as at night."""
    deadline = time.perf_counter() + SETTLE_SECONDS
    wanted = {"eva.ouder": (night.eva, 2), "anna.jgz": (night.anna, 1)}
    while True:
        seen = {
            name: [item for item in night.call(who, "GET", "/notifications?limit=5")["items"] if item["link"] == link]
            for name, (who, _) in wanted.items()
        }
        if all(len(seen[name]) >= count for name, (_, count) in wanted.items()):
            return
        if time.perf_counter() > deadline:
            titles = {name: [item["title"] for item in items] for name, items in seen.items()}
            raise SystemExit(f"the notices of {link} did not all arrive within {SETTLE_SECONDS:.0f}s: {titles}; "
                             f"see {night.host.log_path}")  # fmt: skip
        time.sleep(POLL_SECONDS)


def row(label: str, values: list[float]) -> str:
    ms = 1000.0
    return (f"{label:<40}{percentile(values, 50) * ms:>9.0f}{percentile(values, 99) * ms:>9.0f}"
            f"{max(values) * ms:>9.0f}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50)
    args = parser.parse_args()
    if args.contacts < 50:
        parser.error("at least 50 contacts")
    with_inbox = inbox_notices_available()

    directory = Path(tempfile.mkdtemp(prefix="jk-video-offer-"))  # kept when the run fails: the host's log is in it
    # Sweepers hourly (and once at the time travel): the offers measured are the request's own.
    host = start_host(directory, tick_seconds=3600, extra_manifests=())
    try:
        night = set_up_the_night(host)
        one_contact(night, with_inbox=with_inbox)  # warm-up: imports, caches, the first connections
        night.health.clear()
        queued: list[float] = []
        noticed: list[float] = []
        posts: list[float] = []
        for _ in range(args.contacts):
            in_queue, in_inbox, posted = one_contact(night, with_inbox=with_inbox)
            queued.append(in_queue)
            posts.append(posted)
            if in_inbox is not None:
                noticed.append(in_inbox)
    finally:
        host.stop()
    shutil.rmtree(directory, ignore_errors=True)

    ms = 1000.0
    print(f"POST /video/contacts -> offer seen by the nurse on duty, local host, {args.contacts} contacts "
          f"(03:00 Dutch time, out-of-hours partner, one nurse; between contacts the nurse accepts and ends it, "
          f"and the next is sent once its notices are in)")  # fmt: skip
    print(f"{'':<40}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    print(row("(a) offered_to_you in GET /video/queue", queued))
    if noticed:
        print(row("(b) ContactOffered in GET /notifications", noticed))
    else:
        print("(b) ContactOffered in the inbox: not available (no ContactOffered row in the notifications rules)")
    print(row("baseline: the POST /video/contacts itself", posts))
    print(row("baseline: GET /video/health", night.health))
    low, high = STREAM_IDLE_WAIT
    print(f"local host polling: stream idle wait {low * ms:.0f}-{high * ms:.0f} ms, queue long poll up to 1 s "
          f"(returns on arrival); queue and inbox polled every {POLL_SECONDS * ms:.0f} ms by this benchmark; "
          f"{night.heartbeats} presence heartbeats (every {HEARTBEAT_SECONDS:.0f} s)")  # fmt: skip
    tenth = max(1, len(posts) // 10)
    print(f"POST round trip p50, first / last {tenth} contacts: {percentile(posts[:tenth], 50) * ms:.0f} / "
          f"{percentile(posts[-tenth:], 50) * ms:.0f} ms (moto answers a query on an index by walking the whole table, "
          f"which grows during the run; the request's queries: python -m bench.video_calls)")  # fmt: skip
    summary = f"offer in the queue / POST round trip (p50): {percentile(queued, 50) / percentile(posts, 50):.1f}x"
    if noticed:
        summary += f"; inbox notice / POST round trip (p50): {percentile(noticed, 50) / percentile(posts, 50):.1f}x"
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
