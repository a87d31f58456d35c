"""`make demo`: the whole story, played against the running local host through its HTTP API only.

Two professionals signal the same child and find each other, one takes coordination and gets a draft family
plan, adds the parent and corrects the child, the parent consents; at night the parent chats with the
out-of-hours nurse, who starts video and refers her to the family's own JGZ team; in the morning the handover
is in Anna's inbox. One plain line per step, in Dutch (default) or English; never a BSN or a token.

    python -m infra.demo [--api http://127.0.0.1:3000] [--language nl|en] [--timeout 60]

Exit 0 when the story played, 1 on an unexpected answer or a wait that ran out, 2 when no host answers.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TextIO, TypeVar
from zoneinfo import ZoneInfo

import requests

from services.shared.bsn import is_valid_bsn

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PASSWORD = "Jeugdketen-demo-1"  # noqa: S105 - every demo user's on the local host (README), not a secret
# RvIG test BSNs; the seed and the e2e journeys use numbers below this one. A BSN this host already has is
# skipped (409 signal_exists), so the demo plays again on the same host with the next child.
FIRST_BSN = 999990100
CHILD_NAME = "Sem (DEMO)"
CHILD_AGE_DAYS = 100  # about three months: far under 12, so the parent with authority consents for him
T = TypeVar("T")


class DemoFailed(Exception):
    """The story cannot go on: an unexpected answer or a wait that ran out (exit 1)."""


class HostDown(Exception):
    """Nothing answers at --api (exit 2)."""


class Story:
    """The narrator and the HTTP client: signs the demo users in, calls the API, travels in time."""

    def __init__(self, api: str, language: str, timeout: float) -> None:
        self.api = api.rstrip("/")
        self.language = language
        self.timeout = timeout
        self.http = requests.Session()
        self._tokens: dict[str, str] = {}

    def say(self, nl: str, en: str, *, file: TextIO = sys.stdout) -> None:
        print(nl if self.language == "nl" else en, file=file, flush=True)

    # -- HTTP ---------------------------------------------------------------------------------------------
    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.http.request(method, self.api + path, timeout=30, **kwargs)
        except requests.ConnectionError as refused:
            raise HostDown(self.api) from refused
        except requests.Timeout as slow:
            raise DemoFailed(f"{method} {path} got no answer in 30 s") from slow

    def token(self, username: str) -> str:
        if username not in self._tokens:
            body = {"username": username, "password": PASSWORD}
            self._tokens[username] = str(self.expect(self._send("POST", "/local/token", json=body), 200)["id_token"])
        return self._tokens[username]

    def claims(self, username: str) -> dict[str, Any]:
        """The user's own ID token claims (what a frontend reads after sign-in; the gateway has checked it)."""
        payload = self.token(username).split(".")[1]
        decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return decoded

    def request(
        self, username: str, method: str, path: str, body: Any = None, *, if_match: str | None = None, **kw: Any
    ) -> requests.Response:
        """The request as ``username`` (signed in on first use), with If-Match when given."""
        headers = {"Authorization": f"Bearer {self.token(username)}", **({"If-Match": if_match} if if_match else {})}
        return self._send(method, path, json=body, headers=headers, **kw)

    def call(self, username: str, method: str, path: str, body: Any = None, *, expect: int = 200, **kw: Any) -> Any:
        """The answer's JSON when the status is ``expect``; ``DemoFailed`` naming the error otherwise."""
        return self.expect(self.request(username, method, path, body, **kw), expect)

    @staticmethod
    def expect(response: requests.Response, status: int) -> Any:
        if response.status_code == status:
            return response.json()
        try:
            error = response.json()
            problem = f"{error.get('code')}: {error.get('message')}"
        except ValueError:
            problem = response.text[:200]
        request = response.request
        path = (request.path_url or "").split("?")[0]
        raise DemoFailed(f"{request.method} {path} answered {response.status_code} (expected {status}) - {problem}")

    def wait_for(self, what: str, probe: Callable[[], T | None]) -> T:
        """Poll ``probe`` (events flow asynchronously) until it returns something; fail after the timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            found = probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise DemoFailed(f"gave up after {self.timeout:.0f} s waiting for {what}")
            time.sleep(0.2)

    # -- time -----------------------------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.fromisoformat(self.expect(self._send("GET", "/local/clock"), 200)["now"])

    def travel_to(self, hour: int, minute: int = 0) -> datetime:
        """Move the host's clock forward to the next hour:minute Dutch time (never backwards); sign in again after
        (tokens expire by the host's clock)."""
        now = self.now()
        here = now.astimezone(AMSTERDAM)
        target = here.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if target <= here:
            target = (here + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
        seconds = math.ceil((target - now).total_seconds())
        moved = self.expect(self._send("POST", "/local/clock", json={"advance": seconds}), 200)
        self._tokens.clear()
        return datetime.fromisoformat(moved["now"]).astimezone(AMSTERDAM)


def every(story: Story, username: str, path: str) -> list[dict[str, Any]]:
    """Every item of a paged list, following ``next``."""
    items: list[dict[str, Any]] = []
    params: dict[str, str] = {"limit": "50"}
    while True:
        page = story.call(username, "GET", path, params=params)
        items += page["items"]
        if not page.get("next"):
            return items
        params["cursor"] = page["next"]


def shown(at: datetime) -> str:
    return f"{at.astimezone(AMSTERDAM):%d-%m-%Y %H:%M}"


# -- the story ------------------------------------------------------------------------------------------------
def signal_a_new_child(story: Story, child: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Anna signals the first test BSN this host does not know yet; returns her signal and the signal's body."""
    for number in range(FIRST_BSN, FIRST_BSN + 10_000):
        bsn = str(number)
        if not is_valid_bsn(bsn):
            continue
        body = {"bsn": bsn, **child}
        answer = story.request("anna.jgz", "POST", "/signals", body)
        if answer.status_code == 409 and answer.json().get("code") == "signal_exists":
            continue  # an earlier demo on this host: the next child
        return story.expect(answer, 201), body
    raise DemoFailed("no unused test BSN left in the range")


def signals_and_match(story: Story, birth_date: date) -> dict[str, Any]:
    """Anna and Bram signal one child, find each other, and Anna coordinates; returns Bram's contact details."""
    # Eva's baby: in Eva's municipality (the region's demo parent; her token says where she lives)
    child = {"birth_date": birth_date.isoformat(), "municipality": story.claims("eva.ouder")["custom:municipality"]}
    anna_signal, body = signal_a_new_child(story, child)
    story.say(
        "Anna (JGZ) geeft een signaal af in de verwijsindex over een baby"
        + (": nog geen match." if not anna_signal["match_id"] else ": er is al een match."),
        "Anna (JGZ) registers a signal in the referral index about a baby"
        + (": no match yet." if not anna_signal["match_id"] else ": there is a match already."),
    )
    match_id = story.call("bram.school", "POST", "/signals", body, expect=201)["match_id"]
    if not match_id:
        raise DemoFailed("Bram's signal on the same child formed no match")
    story.say(
        "Bram (school) geeft een signaal af over hetzelfde kind: match!",
        "Bram (school) registers a signal about the same child: a match!",
    )
    [match] = [m for m in every(story, "anna.jgz", "/signals/matches") if m["id"] == match_id]
    [bram] = [o["contact"] for o in match["others"]]
    story.say(
        f"Anna (JGZ) ziet de match met {bram['name']} van {bram['organization_name']} (alleen contactgegevens).",
        f"Anna (JGZ) sees the match with {bram['name']} of {bram['organization_name']} (contact details only).",
    )
    story.call("bram.school", "POST", f"/signals/matches/{match_id}/contact")
    story.say("Bram (school) belt Anna en meldt dat er contact is geweest.", "Bram (school) calls Anna and records it.")
    path = f"/signals/matches/{match_id}/coordinator"
    taken = story.call("anna.jgz", "POST", path, {"party_id": match["my_party_id"]})
    if taken["follow_up"] != "done":
        raise DemoFailed(f"the match follow-up is {taken['follow_up']!r} after Anna took coordination, not 'done'")
    story.say(
        "Anna (JGZ) neemt de regie; voor de matchregie van de gemeente is de match daarmee afgerond.",
        "Anna (JGZ) takes coordination; for the municipality's match follow-up the match is done.",
    )
    return bram


def family_plan(story: Story, plans_before: set[str], birth_date: date, school: dict[str, Any]) -> None:
    """The draft plan from coordination becomes the family's: Eva is added, the child corrected, Eva consents."""

    def new_draft() -> list[dict[str, Any]]:
        mine = every(story, "anna.jgz", "/plans")
        return [p for p in mine if p["id"] not in plans_before and p["relation"] == "coordinator" and p["draft"]]

    started = time.monotonic()
    [draft] = story.wait_for("the draft family plan of Anna's match", new_draft)
    plan_id, waited = draft["id"], time.monotonic() - started
    story.say(
        f"Er staat een concept-gezinsplan klaar met Anna als regisseur (na {waited:.1f} s).",
        f"A draft family plan is ready with Anna as coordinator (after {waited:.1f} s).",
    )

    def read(username: str) -> tuple[dict[str, Any], str]:
        """The plan as ``username`` sees it, and its ETag (the next write's If-Match)."""
        response = story.request(username, "GET", f"/plans/{plan_id}")
        return story.expect(response, 200), response.headers["ETag"]

    def write(username: str, method: str, path: str, body: Any, etag: str) -> tuple[dict[str, Any], str]:
        response = story.request(username, method, path, body, if_match=etag)
        return story.expect(response, 200), response.headers["ETag"]

    plan, etag = read("anna.jgz")
    eva = story.claims("eva.ouder")
    parent = {"kind": "parent", "display_name": eva["name"], "authority": True, "email": eva["email"]}
    plan, etag = write("anna.jgz", "POST", f"/plans/{plan_id}/members", parent, etag)
    story.say("Anna (JGZ) voegt Eva toe als ouder met gezag.", "Anna (JGZ) adds Eva as a parent with authority.")
    [child] = [m for m in plan["members"] if m["kind"] == "child"]
    correction = {"display_name": CHILD_NAME, "birth_date": birth_date.isoformat()}
    plan, etag = write("anna.jgz", "PATCH", f"/plans/{plan_id}/members/{child['id']}", correction, etag)
    story.say(
        f"Anna (JGZ) vult naam en geboortedatum van het kind in: {CHILD_NAME}, jonger dan 12, dus de ouder beslist.",
        f"Anna (JGZ) fills in the child's name and birth date: {CHILD_NAME}, under 12, so the parent decides.",
    )

    if plan_id not in {p["id"] for p in story.call("eva.ouder", "GET", "/plans/mine")["items"]}:
        raise DemoFailed("Eva does not find the plan under /plans/mine")
    plan, etag = read("eva.ouder")
    consent = {"organization": school["organization"]}
    plan, etag = write("eva.ouder", "POST", f"/plans/{plan_id}/consents", consent, etag)
    if plan["draft"]:
        raise DemoFailed("the plan is still a draft after Eva's consent")
    story.say(
        f"Eva (ouder) vindt het plan en geeft {school['organization_name']} toestemming: nu is het het gezinsplan.",
        f"Eva (parent) finds the plan and consents to {school['organization_name']}: it is the family's plan now.",
    )
    if read("bram.school")[0]["access"] != "content":
        raise DemoFailed("Bram cannot read the plan after Eva's consent")
    story.say("Bram (school) kan het hele plan nu lezen.", "Bram (school) can now read the whole plan.")


def night_contact(story: Story) -> str:
    """At 03:00 Eva chats with Gert of the out-of-hours partner, who starts video and refers her; returns its id."""
    night = story.travel_to(3)
    partner = story.claims("gert.nacht")["custom:organization"]  # the region's out-of-hours partner
    story.say(
        f"De klok gaat vooruit naar de nacht: {shown(night)}.", f"The clock moves on to the night: {shown(night)}."
    )
    start = night.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(hours=2)  # 22:00 the evening before
    shift = {
        "nurse": "gert.nacht",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=10)).isoformat(),
        "channels": ["chat", "callback", "video"],
        "languages": ["nl"],
    }
    day = {"organization": partner, "date": start.date().isoformat(), "shifts": [shift]}
    story.call("hanna.admin", "PUT", "/video/roster/shifts", day)
    story.say(
        f"Hanna (regiobeheer) zet Gert op het nachtrooster van {partner} (22:00-08:00).",
        f"Hanna (region admin) puts Gert on the night roster of {partner} (22:00-08:00).",
    )
    presence = story.call("gert.nacht", "PUT", "/video/presence", {"status": "available", "capacity": 3})
    story.say(
        f"Gert (nachtverpleegkundige) meldt zich beschikbaar voor {presence['limit']} chats tegelijk.",
        f"Gert (night nurse) is available for {presence['limit']} chats at a time.",
    )

    ask = {"channel": "chat", "topic": "crying", "urgency": "urgent", "child_age_months": CHILD_AGE_DAYS // 30}
    contact = story.call("eva.ouder", "POST", "/video/contacts", ask, expect=201)
    contact_id = contact["id"]
    story.say(
        f"Eva (ouder) vraagt om een chat: haar baby huilt (urgent). Buiten kantoortijden, dus naar "
        f"{contact['organization']}; verwachte wachttijd {contact['expected_wait_seconds']} s.",
        f"Eva (parent) asks for a chat: her baby is crying (urgent). Out of hours, so to "
        f"{contact['organization']}; expected wait {contact['expected_wait_seconds']} s.",
    )
    if contact["routed"] != "out_of_hours" or contact["status"] != "offered":
        raise DemoFailed(f"the chat was {contact['status']} and routed {contact['routed']}, not offered out of hours")
    entries = story.call("gert.nacht", "GET", "/video/queue")["entries"]
    [entry] = [e for e in entries if e["id"] == contact_id]
    if not entry["offered_to_you"]:
        raise DemoFailed("the chat is not offered to Gert")
    story.call("gert.nacht", "POST", f"/video/contacts/{contact_id}/accept")
    story.say(
        f"Gert (nachtverpleegkundige) krijgt de chat aangeboden ({entry['waiting_seconds']} s gewacht), neemt hem aan.",
        f"Gert (night nurse) is offered the chat (waited {entry['waiting_seconds']} s) and accepts it.",
    )

    chat(story, contact_id)

    story.call("gert.nacht", "POST", f"/video/contacts/{contact_id}/video", expect=201)
    story.say(
        "Gert (nachtverpleegkundige) start video vanuit de chat.", "Gert (night nurse) starts video from the chat."
    )
    joined = {u: story.call(u, "GET", f"/video/contacts/{contact_id}/join") for u in ("eva.ouder", "gert.nacht")}
    meetings = {j["Meeting"]["MeetingId"] for j in joined.values()}
    attendees = {j["Attendee"]["AttendeeId"] for j in joined.values()}
    own = all(j["Attendee"]["ExternalUserId"] == story.claims(u)["sub"] for u, j in joined.items())
    if len(meetings) != 1 or len(attendees) != 2 or not own:
        raise DemoFailed("Eva and Gert did not each get their own attendee in one meeting")
    story.say(
        "Eva (ouder) en Gert (nachtverpleegkundige) komen in dezelfde videomeeting, elk met een eigen deelnemer.",
        "Eva (parent) and Gert (night nurse) join the same video meeting, each as their own attendee.",
    )
    ended = story.call(
        "gert.nacht", "POST", f"/video/contacts/{contact_id}/end", {"outcome": "referral", "referral_to": "own_jgz"}
    )
    if ended["status"] != "ended" or ended["video"]["active"]:
        raise DemoFailed(f"the contact is {ended['status']!r} after Gert ended it, video active: {ended['video']}")
    story.say(
        "Gert (nachtverpleegkundige) rondt af met een doorverwijzing naar het eigen JGZ-team; de video is gestopt.",
        "Gert (night nurse) ends with a referral to the family's own JGZ team; the video has stopped.",
    )
    return contact_id


CHAT = (  # who writes, in Dutch and in English
    ("eva.ouder", "Mijn baby huilt al uren en wil niet drinken.", "My baby has been crying for hours and won't feed."),
    ("gert.nacht", "Goed dat u er bent. Heeft hij koorts?", "Good that you got in touch. Does he have a fever?"),
    ("eva.ouder", "Nee, 37,2. Hij is wel heel onrustig.", "No, 37.2. But he is very restless."),
    ("gert.nacht", "Ik start even video, dan kijk ik mee.", "Let me start video so I can have a look."),
)
LABEL = {
    "eva.ouder": ("Eva (ouder)", "Eva (parent)"),
    "gert.nacht": ("Gert (nachtverpleegkundige)", "Gert (night nurse)"),
}


def chat(story: Story, contact_id: str) -> None:
    """Two messages each way; each is read by the other party (GET ?after= the last one they had)."""
    path = f"/video/contacts/{contact_id}/messages"
    last_seen: dict[str, str | None] = {"eva.ouder": None, "gert.nacht": None}
    for writer, nl, en in CHAT:
        reader = "gert.nacht" if writer == "eva.ouder" else "eva.ouder"
        sent = story.call(writer, "POST", path, {"text": nl if story.language == "nl" else en}, expect=201)
        after = last_seen[reader]
        page = story.call(reader, "GET", path, params={"after": after} if after else None)
        if sent["id"] not in {m["id"] for m in page["messages"]}:
            raise DemoFailed("a chat message did not reach the other party")
        last_seen[reader] = page["after"]
        (writer_nl, writer_en), (reader_nl, reader_en) = LABEL[writer], LABEL[reader]
        story.say(f"{writer_nl}: “{nl}” - {reader_nl} leest het.", f"{writer_en}: “{en}” - {reader_en} reads it.")


def morning_handover(story: Story, contact_id: str) -> None:
    morning = story.travel_to(8, 30)
    story.say(
        f"De klok gaat vooruit naar de ochtend: {shown(morning)}.",
        f"The clock moves on to the morning: {shown(morning)}.",
    )
    link = f"/video/contacts/{contact_id}"

    def handover() -> list[dict[str, Any]]:
        inbox = every(story, "anna.jgz", "/notifications")
        return [i for i in inbox if i["link"] == link and i["category"] == "handover"]

    [item] = story.wait_for("the handover in Anna's inbox", handover)
    story.say(
        f"Anna (JGZ) vindt 's ochtends de overdracht in haar inbox: “{item['title']}”.",
        f"Anna (JGZ) finds the handover in her inbox in the morning: “{item['title']}”.",
    )


def play(story: Story) -> None:
    now = story.now()
    story.say(
        f"Lokale host op {story.api}; de klok staat op {shown(now)}.",
        f"Local host at {story.api}; its clock says {shown(now)}.",
    )
    birth_date = now.astimezone(AMSTERDAM).date() - timedelta(days=CHILD_AGE_DAYS)
    plans_before = {p["id"] for p in every(story, "anna.jgz", "/plans")}
    bram = signals_and_match(story, birth_date)
    family_plan(story, plans_before, birth_date, bram)
    contact_id = night_contact(story)
    morning_handover(story, contact_id)
    story.say("Klaar: het hele verhaal is gespeeld.", "Done: the whole story has been played.")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.demo", description="Play the whole story on the local host.")
    parser.add_argument("--api", default="http://127.0.0.1:3000", help="the local host's API (default %(default)s)")
    parser.add_argument("--language", choices=("nl", "en"), default="nl", help="Dutch (default) or English")
    # The handover waits behind every notification the story caused: on a fresh host that took 15-25 s.
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each event (default 60)")
    args = parser.parse_args(argv)
    story = Story(args.api, args.language, args.timeout)
    try:
        play(story)
    except HostDown:
        story.say(
            f"Er draait geen lokale host op {story.api}: start hem eerst met `make run`.",
            f"No local host is running at {story.api}: start it first with `make run`.",
            file=sys.stderr,
        )
        return 2
    except DemoFailed as failed:
        print(f"demo stopped: {failed}", file=sys.stderr)
        return 1
    finally:
        story.http.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
