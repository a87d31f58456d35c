"""Another region starts from its own region file, and Ctrl-C stops the whole host quickly and cleanly."""

from __future__ import annotations

import base64
import json
import signal
import time

import pytest
import requests

from tests.e2e.conftest import start_host

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
