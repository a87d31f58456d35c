"""Bundling without Docker: a service's code asset holds only the kernel and that service, compiled for Lambda."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from infra.constructs.bundling import (
    PROVIDED_BY_RUNTIME,
    PYTHON_VERSION,
    _remove_distribution,
    lambda_python,
    placeholder,
    runtime_dependencies,
    stage_service,
)
from services.shared.manifest import load_manifests

pytestmark = pytest.mark.infra

TAG = "cpython-{}{}".format(*PYTHON_VERSION)


@pytest.fixture(scope="module")
def signals_asset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (signals,) = [m for m in load_manifests() if m.name == "signals"]
    return stage_service(signals, tmp_path_factory.mktemp("build"))


def test_a_code_asset_holds_the_kernel_and_its_own_service_only(signals_asset: Path) -> None:
    packages = sorted(p.name for p in (signals_asset / "services").iterdir() if p.is_dir() and p.name != "__pycache__")
    assert packages == ["shared", "signals"]
    assert (signals_asset / "services" / "signals" / "handlers" / "api.py").is_file()
    assert (signals_asset / "services" / "shared" / "relay.py").is_file()
    assert not list(signals_asset.rglob(f"*.{importlib.util.MAGIC_NUMBER!r}"))
    stale = [p for p in signals_asset.rglob("*.pyc") if TAG not in p.name]
    assert stale == [], "bytecode of another Python than the Lambda runtime's"


@pytest.mark.skipif(lambda_python() is None, reason="no interpreter of the Lambda runtime's Python version here")
def test_bytecode_is_compiled_for_the_runtime_without_timestamps(signals_asset: Path) -> None:
    sources = list((signals_asset / "services").rglob("*.py"))
    compiled = list((signals_asset / "services").rglob(f"*.{TAG}.pyc"))
    assert sources and len(compiled) == len(sources)
    for pyc in compiled:
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        # PEP 552: bit 0 = hash-based, bit 1 = check source. Unchecked: the zip's reset file times don't matter.
        assert flags == 0b01, pyc


def test_the_layer_is_built_from_the_project_dependencies_minus_the_sdk() -> None:
    requirements = runtime_dependencies()
    assert any(r.startswith("aws-lambda-powertools") for r in requirements)
    assert {"boto3", "botocore"} <= PROVIDED_BY_RUNTIME


def test_removing_a_distribution_deletes_exactly_its_recorded_files(tmp_path: Path) -> None:
    site = tmp_path / "python"
    (site / "boto3" / "sub").mkdir(parents=True)
    (site / "boto3" / "__init__.py").write_text("")
    (site / "boto3" / "sub" / "x.py").write_text("")
    (site / "keep").mkdir()
    (site / "keep" / "__init__.py").write_text("")
    info = site / "boto3-1.0.dist-info"
    info.mkdir()
    (info / "RECORD").write_text("boto3/__init__.py,,\nboto3/sub/x.py,,\nboto3-1.0.dist-info/RECORD,,\n")
    _remove_distribution(site, "boto3")
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == ["keep", "keep/__init__.py"]


def test_placeholder_asset_is_tiny(tmp_path: Path) -> None:
    target = placeholder(tmp_path)
    assert [p.name for p in target.iterdir()] == ["PLACEHOLDER.txt"]
