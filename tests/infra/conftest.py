"""Synthesize the region stacks once per test session (shared by pytest-xdist workers through a file lock).

The real ``app.py`` runs in subprocesses, with bundling off (placeholder code assets, no pip):

- ``groningen`` and ``haaglanden``: the stacks exactly as ``make synth`` builds them;
- ``probe``: groningen plus the test-only probe service (``tests/infra/probe``), which has every kind of
  function (API, relay, consumers on the region bus and on the default bus, a sweeper), and with push
  applications in its region file (``PROBE_PUSH_APPLICATIONS``; the real regions have none yet), so the
  constructs that the real regions and services do not use yet are checked too.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE_MANIFEST = "tests.infra.probe.manifest"
PROBE_REGIONS = "probe-regions"  # groningen.yaml with push applications, written next to the synths
PROBE_PUSH_APPLICATIONS = {
    "apns": "arn:aws:sns:eu-central-1:111111111111:app/APNS/jeugdketen-groningen-ios",
    "fcm": "arn:aws:sns:eu-central-1:111111111111:app/GCM/jeugdketen-groningen-android",
}
SYNTHS: dict[str, list[str]] = {
    "groningen": ["-c", "region=groningen"],
    "haaglanden": ["-c", "region=haaglanden"],
    "probe": ["-c", "region=groningen", "-c", f"extra_manifests={PROBE_MANIFEST}", "-c", "regions_dir={regions}"],
}
REGION_OF = {"groningen": "groningen", "haaglanden": "haaglanden", "probe": "groningen"}


@dataclass(frozen=True)
class Synth:
    """One ``app.py`` run: its exit code, its output, and what it wrote."""

    name: str
    outdir: Path
    returncode: int
    output: str

    @property
    def region(self) -> str:
        return REGION_OF[self.name]

    @property
    def template_path(self) -> Path:
        return self.outdir / f"Jeugdketen-{self.region}.template.json"

    @cached_property
    def template(self) -> dict[str, Any]:
        assert self.template_path.is_file(), f"{self.name}: no template written\n{self.output}"
        return json.loads(self.template_path.read_text())

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    @cached_property
    def validation_report(self) -> dict[str, Any]:
        path = self.outdir / "validation-report.json"
        return json.loads(path.read_text()) if path.is_file() else {"pluginReports": []}


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _probe_regions(target: Path) -> Path:
    """Groningen's region file as it is, plus push applications."""
    import yaml

    directory = target / PROBE_REGIONS
    directory.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((ROOT / "infra" / "regions" / "groningen.yaml").read_text())
    data["aws"]["push_applications"] = PROBE_PUSH_APPLICATIONS
    (directory / "groningen.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return directory


def _run_synths(target: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JK_", "AWS_", "CDK_"))}
    regions = _probe_regions(target)
    running = {}
    for name, args in SYNTHS.items():
        outdir = target / name
        outdir.mkdir(parents=True, exist_ok=True)
        args = [arg.format(regions=regions) for arg in args]
        command = [sys.executable, str(ROOT / "app.py"), "-c", "bundling=false", *args]
        running[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "CDK_OUTDIR": str(outdir)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    results = {}
    for name, process in running.items():
        output, _ = process.communicate(timeout=600)
        results[name] = {"returncode": process.returncode, "output": output}
    (target / "results.json").write_text(json.dumps(results))


@pytest.fixture(scope="session")
def synths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synth]:
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    target = shared / "infra-synth"
    with _exclusive(shared / "infra-synth.lock"):
        if not (target / "results.json").is_file():
            _run_synths(target)
    results = json.loads((target / "results.json").read_text())
    return {
        name: Synth(name=name, outdir=target / name, returncode=r["returncode"], output=r["output"])
        for name, r in results.items()
    }


@pytest.fixture(scope="session")
def regions(synths: dict[str, Synth]) -> list[Synth]:
    """The two regions as deployed (no probe)."""
    return [synths["groningen"], synths["haaglanden"]]


@pytest.fixture(scope="session")
def everything(synths: dict[str, Synth]) -> list[Synth]:
    """All three synths: both regions and groningen with the probe."""
    return list(synths.values())


@pytest.fixture(scope="session")
def probe(synths: dict[str, Synth]) -> Synth:
    return synths["probe"]
