"""Cold import of every function's entry module, beside a baseline measured in the same run.

Each measurement is a fresh interpreter importing one module (bytecode compiled beforehand), as a Lambda
cold start does. Modules and the baseline are measured interleaved, so machine noise hits them alike.
Both initialise as on Lambda, with the cyclic garbage collector paused during the imports (services/__init__.py,
bench/__init__.py). Goal: no entry module above 1.2 x the baseline (a minimal Powertools REST handler with one pydantic
and one pynamodb model). Also prints the unzipped size of each function's bundle when it can be built.

    python -m bench.cold_import [--runs 15]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "bench.baseline_handler"
GOAL = 1.2
PROBE = (
    "import time, importlib, sys; t = time.perf_counter(); importlib.import_module(sys.argv[1]); "
    "print(time.perf_counter() - t)"
)


def entry_modules() -> dict[str, str]:
    """Function name -> entry module, for every function of every service (from the manifests)."""
    from services.shared.manifest import load_manifests

    modules: dict[str, str] = {}
    for manifest in load_manifests():
        for function in manifest.functions():
            modules[function.name] = function.handler.rsplit(".", 1)[0]
    return modules


def import_seconds(module: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JK_", "AWS_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["AWS_LAMBDA_FUNCTION_NAME"] = "cold-import-probe"  # initialise as on Lambda (services/__init__.py)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    return float(result.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if args.runs < 15:
        parser.error("at least 15 runs")

    compileall.compile_dir(ROOT / "services", quiet=1)
    compileall.compile_dir(ROOT / "bench", quiet=1)
    functions = entry_modules()
    modules = sorted(set(functions.values()))
    samples: dict[str, list[float]] = {m: [] for m in [BASELINE, *modules]}
    for module in samples:  # one warm-up each: the OS file cache, not the interpreter
        import_seconds(module)
    for _ in range(args.runs):
        for module in samples:
            samples[module].append(import_seconds(module))

    baseline = statistics.median(samples[BASELINE])
    print(f"cold import, median of {args.runs} fresh interpreters (Python {sys.version.split()[0]})")
    print(f"{'function':<28} {'entry module':<40} {'median ms':>9} {'x baseline':>10}  goal <= {GOAL}")
    print(f"{'(baseline)':<28} {BASELINE:<40} {baseline * 1000:>9.1f} {1.0:>10.2f}")
    worst = 0.0
    for name, module in sorted(functions.items()):
        median = statistics.median(samples[module])
        ratio = median / baseline
        worst = max(worst, ratio)
        flag = "" if ratio <= GOAL else "  OVER"
        print(f"{name:<28} {module:<40} {median * 1000:>9.1f} {ratio:>10.2f}{flag}")
    print(f"worst ratio {worst:.2f} (goal <= {GOAL}): {'met' if worst <= GOAL else 'NOT met'}")
    print_bundle_sizes(functions)
    return 0


def print_bundle_sizes(functions: dict[str, str]) -> None:
    try:
        from infra.constructs.bundling import bundle_sizes  # type: ignore[attr-defined]
    except ImportError:
        print("bundle sizes: infra.constructs.bundling.bundle_sizes is not available")
        return
    print()
    print(f"{'function':<28} {'code MB':>8} {'layer MB':>9} {'total MB':>9}")
    for name, (code, layer) in sorted(bundle_sizes(functions).items()):
        print(f"{name:<28} {code / 1e6:>8.2f} {layer / 1e6:>9.2f} {(code + layer) / 1e6:>9.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
