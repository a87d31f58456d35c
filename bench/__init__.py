"""Benchmarks. The baseline handler initialises as the services do on Lambda (services/__init__.py): with the
cyclic garbage collector paused while it imports, so the cold-import comparison is like for like."""

import gc
import os

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    gc.disable()
