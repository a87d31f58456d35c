"""On Lambda the cyclic GC is paused while a function initialises, and resumed by its first invocation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json
import services.signals.handlers.api
from services.shared.entrypoint import entrypoint

after_import = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}

@entrypoint("probe")
def handler(event, context):
    return {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}

class Context:
    function_name = "probe"; memory_limit_in_mb = 128; aws_request_id = "r-1"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:probe"

first = handler({}, Context())
second = handler({}, Context())
print(json.dumps({"after_import": after_import, "first": first, "second": second}))
"""


def _probe(**extra: str) -> dict[str, dict[str, int | bool]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JK_", "AWS_"))}
    env.update(PYTHONPATH=str(ROOT), POWERTOOLS_METRICS_NAMESPACE="Probe", POWERTOOLS_SERVICE_NAME="probe", **extra)
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_on_lambda_init_runs_without_the_cyclic_gc_and_the_first_call_freezes_and_resumes_it() -> None:
    seen = _probe(AWS_LAMBDA_FUNCTION_NAME="probe")
    assert seen["after_import"] == {"enabled": False, "frozen": 0}
    assert seen["first"]["enabled"] is True
    assert seen["first"]["frozen"] > 10_000  # what init made: skipped by every later collection
    # Not frozen again (objects of the permanent generation can still die, so the count may only drop).
    assert seen["second"]["enabled"] is True and seen["second"]["frozen"] <= seen["first"]["frozen"]


def test_outside_lambda_the_gc_is_left_alone() -> None:
    seen = _probe()
    assert seen["after_import"] == {"enabled": True, "frozen": 0}
    assert seen["first"] == {"enabled": True, "frozen": 0}
