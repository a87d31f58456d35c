"""Time travel on the local host: tokens expire, sweepers run at once, and signing in again still works.

This host is its own: travelling moves the clock of everything in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.e2e.conftest import RunningHost, start_host

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def travelling_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    running = start_host(tmp_path_factory.mktemp("travelling-host"))
    yield running
    running.stop()


def test_after_two_hours_an_old_token_is_refused_and_a_new_one_works(travelling_host: RunningHost) -> None:
    host = travelling_host
    old = host.auth()
    assert host.http.get(host.url("/signals/health"), headers=old).status_code == 200

    travelled = host.http.post(host.url("/local/clock"), json={"advance": "PT2H"})
    assert travelled.status_code == 200
    body = travelled.json()
    assert body["offset_seconds"] == 7200
    assert body["sweeps"]["jk-groningen-probe-count-sweeps"] == {"runs": 1}

    expired = host.http.get(host.url("/signals/health"), headers=old)
    assert expired.status_code == 401 and expired.json()["code"] == "unauthenticated"
    assert "expired" in expired.json()["message"]

    fresh = host.auth()
    assert host.http.get(host.url("/signals/health"), headers=fresh).status_code == 200
    sweeps = host.http.get(host.url("/probe/sweeps"), headers=fresh).json()
    assert datetime.fromisoformat(sweeps["last_now"]) >= datetime.fromisoformat(body["now"])


def test_travel_in_seconds_moves_the_clock_further(travelling_host: RunningHost) -> None:
    host = travelling_host
    before = host.http.get(host.url("/local/clock")).json()["offset_seconds"]
    after = host.http.post(host.url("/local/clock"), json={"advance": 90}).json()
    assert after["offset_seconds"] == before + 90
