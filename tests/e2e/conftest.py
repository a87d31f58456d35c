"""E2e: the local host as a subprocess on free ports, driven over HTTP exactly as a frontend would.

A subprocess, not a thread: moto keeps its state in module globals and the host sets the process
environment, and both would collide with the service tests' ``mock_aws`` running in the same xdist worker.
Each worker starts its own host (ports chosen by the OS, so workers and a developer's ``make run`` never
clash); every wait polls with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Jeugdketen-demo-1"
START_DEADLINE_SECONDS = 60
STOP_DEADLINE_SECONDS = 10
T = TypeVar("T")


NOTIFIED_WITHIN = 30.0  # through the whole pipeline on a loaded 2-core machine (the local host has one GIL)


def wait_for(what: str, probe: Callable[[], T | None], *, timeout: float = 15.0, every: float = 0.1) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout`` seconds saying ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


@dataclass
class RunningHost:
    process: subprocess.Popen[bytes]
    info: dict[str, Any]
    record_path: Path
    log_path: Path
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def api(self) -> str:
        return str(self.info["api_url"])

    def url(self, path: str) -> str:
        return self.api + path

    def token(self, username: str = "anna.jgz", password: str = PASSWORD) -> str:
        response = self.http.post(self.url("/local/token"), json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["id_token"])

    def auth(self, username: str = "anna.jgz") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}

    def aws(self, service: str) -> Any:
        """A boto3 client on the host's moto (explicit endpoint: the test process's environment stays as it is)."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.info["moto_url"],
            region_name=self.info["aws_region"],
            aws_access_key_id="e2e",
            aws_secret_access_key="e2e",
        )

    def recorded(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Every event the host handed to a handler so far (``kind``: api, relay, consumer, sweeper)."""
        entries = []
        for line in self.record_path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line being written right now
            if kind is None or entry["kind"] == kind:
                entries.append(entry)
        return entries

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(STOP_DEADLINE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.http.close()
        return self.process.returncode


def start_host(
    directory: Path,
    *,
    region: str = "groningen",
    tick_seconds: float = 3600,
    extra_manifests: tuple[str, ...] = ("tests.probe.manifest",),
) -> RunningHost:
    directory.mkdir(parents=True, exist_ok=True)
    ready = directory / "ready.json"
    record = directory / "events.jsonl"
    log_path = directory / "host.log"
    command = [
        sys.executable,
        "-m",
        "infra.local",
        "run",
        "--region",
        region,
        "--api-port",
        "0",
        "--moto-port",
        "0",
        "--tick-seconds",
        str(tick_seconds),
        "--visibility-timeout",
        "1",
        "--record-events",
        str(record),
        "--ready-file",
        str(ready),
        "--exit-with-parent",  # an interrupted test run leaves no host behind
    ]
    for module in extra_manifests:
        command += ["--extra-manifest", module]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JK_", "AWS_"))}
    env["PYTHONUNBUFFERED"] = "1"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while not ready.exists():
        if process.poll() is not None:
            pytest.fail(f"the local host exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the local host was not ready in {START_DEADLINE_SECONDS}s:\n{log_path.read_text()}")
        time.sleep(0.05)
    return RunningHost(process=process, info=json.loads(ready.read_text()), record_path=record, log_path=log_path)


@pytest.fixture(scope="session")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    """The shared host of this worker: Groningen plus the probe; sweepers every 2 s; never travels in time."""
    running = start_host(tmp_path_factory.mktemp("local-host"), tick_seconds=2)
    yield running
    running.stop()
