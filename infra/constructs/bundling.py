"""Lambda code without Docker: one code asset per service and one dependency layer, staged under ``build/``.

- ``build/assets/<service>/`` holds only ``services/shared`` (the kernel) and the service's own package
  (``ServiceManifest.package``): a function imports nothing else, so it ships nothing else.
- ``build/layer/python/`` holds the runtime dependencies (``[project] dependencies`` of pyproject.toml),
  installed by pip for the Lambda platform (manylinux2014 aarch64, CPython of the runtime's version,
  binary wheels only) — no container needed.
- Both are compiled to bytecode by an interpreter of the runtime's version, with *unchecked-hash*
  ``.pyc`` files: the asset zip resets file times, so time-stamped ``.pyc`` files would look stale on Lambda,
  and ``/var/task`` is read-only, so Python would recompile every module on every cold start.

With the context ``bundling=false`` (the infra tests) nothing is built: every function gets a tiny
placeholder asset, so a synth takes seconds, not a pip install.
"""

from __future__ import annotations

import compileall
import fcntl
import functools
import hashlib
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from services.shared.manifest import ServiceManifest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
PYTHON_VERSION = (3, 13)  # keep in step with lambda_defaults.RUNTIME
PLATFORM = "manylinux2014_aarch64"  # keep in step with lambda_defaults.ARCHITECTURE (ARM_64)

# The Lambda Python runtime ships boto3 and its dependency closure. Leaving them out of the layer saves
# ~25 MB unzipped; the price is that the SDK version on Lambda is the runtime's, not our pin (tests and the
# local host use the pin). Both are recent enough for every call we make.
PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"})

_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".mypy_cache", ".pytest_cache", "tests")


class BundlingError(RuntimeError):
    """The Lambda code or layer could not be built."""


def runtime_dependencies(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The ``[project] dependencies``: exactly what the layer is built from."""
    with pyproject.open("rb") as handle:
        return list(tomllib.load(handle)["project"]["dependencies"])


@functools.cache
def lambda_python() -> str | None:
    """An interpreter of the runtime's Python version, to compile bytecode Lambda can use.

    ``JK_LAMBDA_PYTHON`` wins; then this interpreter if it is that version; then a pyenv installation; then
    ``python3.X`` on the PATH. Each candidate is asked its version (a pyenv shim may point nowhere).
    """
    wanted = "{}.{}".format(*PYTHON_VERSION)
    if sys.version_info[:2] == PYTHON_VERSION:
        return sys.executable
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [os.environ.get("JK_LAMBDA_PYTHON")]
    candidates += [str(p / "bin" / f"python{wanted}") for p in sorted((pyenv_root / "versions").glob(f"{wanted}.*"))]
    candidates += [shutil.which(f"python{wanted}")]
    for candidate in filter(None, candidates):
        try:
            probe = subprocess.run(  # noqa: S603 - asks a candidate interpreter for its version
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
        except OSError:
            continue
        if probe.returncode == 0 and probe.stdout.strip() == wanted:
            return candidate
    return None


def _compile(directory: Path) -> bool:
    """Compile every module under ``directory`` for the Lambda runtime; False when no such interpreter exists."""
    python = lambda_python()
    if python is None:
        print(
            "warning: no Python {}.{} found (set JK_LAMBDA_PYTHON): shipping sources without bytecode, "
            "so every cold start compiles them".format(*PYTHON_VERSION),
            file=sys.stderr,
        )
        return False
    if python == sys.executable:
        compileall.compile_dir(
            directory, quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
        )
        return True
    result = subprocess.run(  # noqa: S603 - a Python interpreter we located, with fixed arguments
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BundlingError(f"compiling {directory} with {python} failed:\n{result.stdout}{result.stderr}")
    return True


def _tree_size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """Serialise builds between processes (two synths, or pytest workers, share ``build/``)."""
    BUILD.mkdir(parents=True, exist_ok=True)
    with (BUILD / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _package_dir(package: str) -> Path:
    path = ROOT.joinpath(*package.split("."))
    if not (path / "__init__.py").is_file():
        raise BundlingError(f"package {package!r} not found at {path}")
    return path


def stage_service(manifest: ServiceManifest, build: Path = BUILD) -> Path:
    """``build/assets/<service>/``: the kernel and the service package, compiled. Rebuilt every time (cheap)."""
    target = build / "assets" / manifest.name
    with _locked(f"asset-{manifest.name}"):
        staging = target.with_name(f".{manifest.name}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for package in sorted({"services", "services.shared", manifest.package}):
            source = _package_dir(package)
            destination = staging.joinpath(*package.split("."))
            if package == "services":  # only the namespace's __init__, not every sibling service
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / "__init__.py", destination / "__init__.py")
            else:
                shutil.copytree(source, destination, ignore=_SKIP, dirs_exist_ok=True)
        _compile(staging)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target


def _layer_key(requirements: list[str]) -> str:
    recipe = {
        "requirements": requirements,
        "python": PYTHON_VERSION,
        "platform": PLATFORM,
        "exclude": sorted(PROVIDED_BY_RUNTIME),
        "compiled_with": lambda_python() is not None,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def _remove_distribution(site: Path, name: str) -> None:
    """Delete an installed distribution by its RECORD (exact files, nothing guessed)."""
    normalized = name.lower().replace("-", "_")
    for dist_info in site.glob("*.dist-info"):
        if dist_info.name.split("-")[0].lower().replace("-", "_") != normalized:
            continue
        record = dist_info / "RECORD"
        for line in record.read_text().splitlines() if record.is_file() else []:
            relative = line.split(",")[0]
            path = (site / relative).resolve()
            if path.is_file() and site.resolve() in path.parents:
                path.unlink()
        shutil.rmtree(dist_info, ignore_errors=True)
    for directory in sorted(site.rglob("*"), reverse=True):  # package directories left empty
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()


def build_layer(build: Path = BUILD, requirements: list[str] | None = None) -> Path:
    """``build/layer/`` (with ``python/`` inside, as Lambda layers expect); pip runs only when the recipe changed."""
    requirements = requirements if requirements is not None else runtime_dependencies()
    target = build / "layer"
    key = _layer_key(requirements)
    stamp = target / ".recipe"
    with _locked("layer"):
        if stamp.is_file() and stamp.read_text() == key:
            return target
        staging = build / ".layer.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        site = staging / "python"
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            "--platform", PLATFORM, "--only-binary=:all:", "--implementation", "cp",
            "--python-version", "{}.{}".format(*PYTHON_VERSION), "--target", str(site), *requirements,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise BundlingError(f"pip could not build the Lambda layer:\n{result.stderr.strip()}")
        for name in PROVIDED_BY_RUNTIME:
            _remove_distribution(site, name)
        shutil.rmtree(site / "bin", ignore_errors=True)  # console scripts are of no use in a layer
        _compile(site)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        (target / ".recipe").write_text(key)
    return target


def placeholder(build: Path = BUILD) -> Path:
    """A one-file asset for synths that skip bundling (tests): same handlers, no code."""
    target = build / "placeholder"
    marker = target / "PLACEHOLDER.txt"
    if not marker.is_file():
        target.mkdir(parents=True, exist_ok=True)
        temporary = target / f".{os.getpid()}.tmp"
        temporary.write_text("Synthesized with -c bundling=false: not deployable.\n")
        temporary.replace(marker)
    return target


@dataclass
class Bundler:
    """Hands out the staged code asset of each service and the one layer, or placeholders."""

    enabled: bool = True
    build: Path = BUILD
    _assets: dict[str, Path] = field(default_factory=dict)
    _layer: Path | None = None

    def service_asset(self, manifest: ServiceManifest) -> Path:
        if not self.enabled:
            return placeholder(self.build)
        if manifest.name not in self._assets:
            self._assets[manifest.name] = stage_service(manifest, self.build)
        return self._assets[manifest.name]

    def layer_asset(self) -> Path:
        if not self.enabled:
            return placeholder(self.build)
        if self._layer is None:
            self._layer = build_layer(self.build)
        return self._layer


# -- sizes, for the benchmark --------------------------------------------------------------------------------


def bundle_sizes(functions: dict[str, str] | None = None, build: Path = BUILD) -> dict[str, tuple[int, int]]:
    """Unzipped install size (code asset bytes, layer bytes) per function, building what is missing.

    ``functions`` maps function names (as in ``ServiceManifest.functions()``) to entry modules; by default,
    every function of every service. Lambda's limit is 250 MB for code and layers together.
    """
    from services.shared.manifest import load_manifests

    by_function = {f.name: m for m in load_manifests() for f in m.functions()}
    names = list(functions) if functions is not None else list(by_function)
    layer = _tree_size(build_layer(build) / "python")
    code: dict[str, int] = {}
    sizes = {}
    for name in names:
        manifest = by_function.get(name)
        if manifest is None:
            continue
        if manifest.name not in code:
            code[manifest.name] = _tree_size(stage_service(manifest, build))
        sizes[name] = (code[manifest.name], layer)
    return sizes
