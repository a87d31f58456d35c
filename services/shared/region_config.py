"""The region config as the services read it: from SSM Parameter Store, through Powertools parameters (cached)."""

from __future__ import annotations

from services.shared.region import RegionConfig
from services.shared.settings import get_settings

CACHE_SECONDS = 300
_parsed: dict[str, RegionConfig] = {}


def region_config() -> RegionConfig:
    """The region's config; fetched at most every five minutes, validated once per distinct value."""
    from aws_lambda_powertools.utilities.parameters import get_parameter

    raw = get_parameter(get_settings().config_parameter, max_age=CACHE_SECONDS)
    assert isinstance(raw, str)
    if raw not in _parsed:
        _parsed.clear()
        _parsed[raw] = RegionConfig.model_validate_json(raw)
    return _parsed[raw]


def reset_region_config() -> None:
    """For tests and the local host: drop every cached copy."""
    from aws_lambda_powertools.utilities.parameters import clear_caches

    _parsed.clear()
    clear_caches()
