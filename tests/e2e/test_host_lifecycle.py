"""Another region starts from its own region file, and Ctrl-C stops the whole host quickly and cleanly; an AWS
service event on the account's default bus (a Chime SDK meeting that ended) reaches its consumer as on AWS."""

from __future__ import annotations

import base64
import json
import signal
import time
import uuid
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningHost, start_host, wait_for

pytestmark = pytest.mark.e2e


def test_haaglanden_runs_with_its_own_users_and_ctrl_c_stops_it(tmp_path: pytest.TempPathFactory) -> None:
    host = start_host(tmp_path, region="haaglanden", extra_manifests=())  # type: ignore[arg-type]
    try:
        assert host.info["region"] == "haaglanden" and host.info["started_in_seconds"] < 60
        dirk = next(u for u in host.info["users"] if u["username"] == "dirk.gemeente")
        assert dirk["municipality"] == "GM0518" and dirk["organisation"] == "demo-gemeente-den-haag"
        gert = next(u for u in host.info["users"] if u["username"] == "gert.nacht")
        assert gert["organisation"] == "demo-nacht-haaglanden"
        payload = host.token("dirk.gemeente").split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["custom:region"] == "haaglanden" and claims["custom:municipality"] == "GM0518"
        health = host.http.get(host.url("/signals/health"), headers=host.auth())
        assert health.status_code == 200 and health.json()["region"] == "haaglanden"
        assert host.http.get(host.url("/probe/items/x"), headers=host.auth()).status_code == 404
    finally:
        started = time.monotonic()
        code = host.stop(signal.SIGINT)
        stopped_in = time.monotonic() - started
    assert code == 0, host.log_tail()
    assert stopped_in < 8, f"stopping took {stopped_in:.1f}s"
    assert "the local host stopped" in host.log_tail()
    with pytest.raises(requests.ConnectionError):
        requests.get(host.info["api_url"] + "/openapi.json", timeout=2)


def _chime_meeting_event(event_type: str, meeting_id: str) -> dict[str, str]:
    """A Chime SDK meeting state change as AWS puts it on the account's default bus."""
    detail = {"version": "0", "eventType": event_type, "meetingId": meeting_id, "mediaRegion": "eu-central-1"}
    return {"Source": "aws.chime", "DetailType": "Chime Meeting State Change", "Detail": json.dumps(detail)}


def test_a_chime_meeting_that_ends_reaches_the_video_consumer_from_the_default_bus(host: RunningHost) -> None:
    meeting_id = str(uuid.uuid4())
    host.aws("events").put_events(  # no EventBusName: the default bus
        Entries=[
            _chime_meeting_event("chime:AttendeeJoined", meeting_id),  # not in the subscription's pattern
            _chime_meeting_event("chime:MeetingEnded", meeting_id),
        ]
    )

    def handed_over() -> list[dict[str, Any]]:
        return [
            json.loads(record["body"])
            for entry in host.recorded("consumer")
            if entry["function"].endswith("-video-meeting-events")
            for record in entry["event"]["Records"]
            if meeting_id in record["body"]
        ]

    # moto routes both entries as it accepts them, in order: had the attendee event matched, it would be there too.
    [event] = wait_for("the meeting's end at the video-meeting-events consumer", handed_over)
    assert (event["source"], event["detail-type"], event["detail"]["eventType"]) == (
        "aws.chime",
        "Chime Meeting State Change",
        "chime:MeetingEnded",
    )
    assert event["account"] == host.info["account"]  # put back by the poller, as AWS delivers it
