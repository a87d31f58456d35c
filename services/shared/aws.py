"""Cached AWS client factories. boto3 is imported on first use, never at import time of a handler.

Endpoints come from the standard ``AWS_ENDPOINT_URL`` variables, so the same code talks to AWS or to the
local host's moto server.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service_name: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
    return boto3.session.Session().client(service_name, config=config)


def reset_clients() -> None:
    client.cache_clear()
