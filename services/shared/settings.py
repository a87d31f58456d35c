"""Environment settings of a function, read once on first use (never at import).

The model lives in ``settings_model.py`` and is imported here lazily: pydantic-settings costs a cold
start ~10 ms that a function should pay only when it first needs a setting.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.shared.settings_model import Settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    from services.shared.settings_model import Settings

    return Settings()  # type: ignore[call-arg]  # filled from the environment


def reset_settings() -> None:
    """For tests and the local host: forget the cached settings (and the clients made with them)."""
    get_settings.cache_clear()
    from services.shared import aws

    aws.reset_clients()
