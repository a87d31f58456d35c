"""Jeugdketen's four services and their shared kernel.

On Lambda the cyclic garbage collector is paused while a function initialises: every object an import makes
lives as long as the execution environment, so a full collection during the imports (one costs ~40 ms on a
cold start of the signals API) finds nothing to free. The first invocation freezes what init made (later
collections skip it) and resumes the collector; see ``services.shared.entrypoint`` and docs/decisions.md.
Outside Lambda (tests, the CDK app, the local host) nothing changes.
"""

import gc
import os

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and gc.isenabled():
    gc.disable()
    INIT_PAUSED_GC = True
else:
    INIT_PAUSED_GC = False
