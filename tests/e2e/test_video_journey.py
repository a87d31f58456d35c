"""The 24/7 contact over HTTP on the local host, as the apps make it: at 03:00 a parent asks for a chat, the
out-of-hours nurse on duty is offered it and accepts, they write, the nurse starts video and each joins with
their own token, the nurse ends with a referral, and the family's own JGZ team finds the handover in its inbox.

The host is its own (the clock travels to 03:00 Dutch time). The local meeting provider carries no media: the
join data has the Chime SDK's shape, which is what the journey checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import NOTIFIED_WITHIN, RunningHost, start_host, wait_for
from tests.e2e.test_plans_journey import user_id
from tests.e2e.test_signals_journey import contact, notices

pytestmark = pytest.mark.e2e
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(scope="module")
def video_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    running = start_host(tmp_path_factory.mktemp("video-host"), extra_manifests=())
    yield running
    running.stop()


def call(host: RunningHost, who: dict[str, str], method: str, path: str, body: Any = None, status: int = 200) -> Any:
    response = host.http.request(method, host.url(path), json=body, headers=who)
    assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def travel_to(host: RunningHost, hour: int, minute: int = 0) -> datetime:
    """Move the host's clock forward to the next hour:minute, Dutch time; returns the host's new now."""
    now = datetime.fromisoformat(host.http.get(host.url("/local/clock")).json()["now"])
    local = now.astimezone(AMSTERDAM)
    target = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= local:
        target = (local + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    delta = target.astimezone(now.tzinfo) - now
    moved = host.http.post(host.url("/local/clock"), json={"advance": int(delta.total_seconds()) + 1})
    assert moved.status_code == 200, moved.text
    return datetime.fromisoformat(moved.json()["now"])


def test_a_parent_at_three_in_the_morning_reaches_the_night_nurse_and_her_own_team_gets_the_handover(
    video_host: RunningHost,
) -> None:
    host = video_host
    night = contact("gert.nacht")["organization"]
    own = contact("femke.jgz")["organization"]

    # 03:00 (tokens are signed in after the clock moved: they expire by the host's clock)
    now = travel_to(host, 3)
    eva, gert, hanna, anna, femke = (
        host.auth(u) for u in ("eva.ouder", "gert.nacht", "hanna.admin", "anna.jgz", "femke.jgz")
    )
    # Hanna (region admin) has rostered Gert for the night; his app says he is available.
    start = now.astimezone(AMSTERDAM).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(hours=2)
    shift = {"nurse": "gert.nacht", "start": start.isoformat(), "end": (start + timedelta(hours=10)).isoformat(),
             "channels": ["chat", "callback", "video"], "languages": ["nl"]}  # fmt: skip
    roster = call(host, hanna, "PUT", "/video/roster/shifts", {"organization": night, "date": start.date().isoformat(),
                                                                "shifts": [shift]})  # fmt: skip
    assert [(s["nurse"], s["on_duty_now"]) for s in roster["shifts"]] == [("gert.nacht", True)]
    presence = call(host, gert, "PUT", "/video/presence", {"status": "available", "capacity": 2})
    assert presence["on_duty"] is True and presence["limit"] == 2

    # Eva asks for a chat about her crying baby: out of hours, so the partner; Gert is offered it at once.
    request = {"channel": "chat", "topic": "crying", "urgency": "urgent", "child_age_months": 2}
    asked = call(host, eva, "POST", "/video/contacts", request, status=201)
    cid = asked["id"]
    assert (asked["organization"], asked["routed"], asked["status"]) == (night, "out_of_hours", "offered")
    assert asked["queue_position"] == 1 and asked["expected_wait_seconds"] == 0
    queue = call(host, gert, "GET", "/video/queue")
    [entry] = [e for e in queue["entries"] if e["id"] == cid]
    assert entry["offered_to_you"] is True and entry["topic"] == "crying" and "text" not in entry
    assert call(host, femke, "GET", "/video/queue")["entries"] == []  # her organisation's queue is another

    accepted = call(host, gert, "POST", f"/video/contacts/{cid}/accept")
    assert accepted["status"] == "active"

    # They write both ways; nobody else reads it.
    path = f"/video/contacts/{cid}/messages"
    first = call(host, eva, "POST", path, {"text": "Mijn baby huilt al uren en drinkt slecht"}, status=201)
    call(host, gert, "POST", path, {"text": "Goed dat u belt. Hoe oud is uw baby precies?"}, status=201)
    call(host, eva, "POST", path, {"text": "Negen weken"}, status=201)
    call(host, gert, "POST", path, {"text": "Ik start even video, dan kijk ik mee."}, status=201)
    seen_by_gert = call(host, gert, "GET", f"{path}?after={first['id']}")["messages"]
    assert [m["sender"] for m in seen_by_gert] == ["nurse", "parent", "nurse"]
    assert [m["sender"] for m in call(host, eva, "GET", path)["messages"]] == ["parent", "nurse", "parent", "nurse"]
    for outsider in (femke, anna):
        assert host.http.get(host.url(path), headers=outsider).status_code == 404

    # Gert starts video; each gets their own attendee in the same meeting; nobody else gets any.
    started = call(host, gert, "POST", f"/video/contacts/{cid}/video", status=201)
    assert started["video"]["active"] is True
    eva_join = call(host, eva, "GET", f"/video/contacts/{cid}/join")
    gert_join = call(host, gert, "GET", f"/video/contacts/{cid}/join")
    assert eva_join["Meeting"]["MeetingId"] == gert_join["Meeting"]["MeetingId"]
    assert eva_join["Meeting"]["ExternalMeetingId"] == cid
    assert eva_join["Attendee"]["ExternalUserId"] == user_id(host, "eva.ouder")
    assert gert_join["Attendee"]["ExternalUserId"] == user_id(host, "gert.nacht")
    assert eva_join["Attendee"]["JoinToken"] != gert_join["Attendee"]["JoinToken"]
    assert host.http.get(host.url(f"/video/contacts/{cid}/join"), headers=femke).status_code == 404

    # Gert ends with a referral to the family's own JGZ: the meeting is gone, the handover goes to her team.
    ended = call(host, gert, "POST", f"/video/contacts/{cid}/end", {"outcome": "referral", "referral_to": "own_jgz"})
    assert ended["status"] == "ended" and ended["video"]["active"] is False
    gone = host.http.get(host.url(f"/video/contacts/{cid}/join"), headers=eva)
    assert gone.status_code == 409 and gone.json()["code"] == "no_video"
    assert call(host, gert, "PUT", "/video/presence", {"status": "available"})["active"] == 0

    link = f"/video/contacts/{cid}"

    def inbox(headers: dict[str, str], category: str) -> list[dict[str, Any]] | None:
        return [i for i in notices(host, headers, link) if i["category"] == category] or None

    for member, headers in (("femke.jgz", femke), ("anna.jgz", anna)):
        assert contact(member)["organization"] == own
        [item] = wait_for(
            f"the handover in {member}'s inbox", lambda h=headers: inbox(h, "handover"), timeout=NOTIFIED_WITHIN
        )
        assert item["link"] == link

    # Eva heard that the nurse accepted, that video started and that the conversation ended, in her own inbox.
    def all_three_for_eva() -> list[dict[str, Any]] | None:
        found = inbox(eva, "contact") or []
        return found if len(found) >= 3 else None

    assert len(wait_for("Eva's notices", all_three_for_eva, timeout=NOTIFIED_WITHIN)) == 3
