"""Powertools Logger, Tracer and Metrics, created on first use (not at import) and shared by the process."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics, Tracer


@lru_cache(maxsize=1)
def logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "jeugdketen"), use_rfc3339=True)


@lru_cache(maxsize=1)
def tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "jeugdketen"))


@lru_cache(maxsize=1)
def metrics() -> Metrics:
    """Business metrics as CloudWatch EMF, in the region's namespace (``Jeugdketen/<region>``)."""
    from aws_lambda_powertools import Metrics

    from services.shared.settings import get_settings

    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or f"Jeugdketen/{get_settings().region}"
    return Metrics(namespace=namespace, service=os.environ.get("POWERTOOLS_SERVICE_NAME", "jeugdketen"))
