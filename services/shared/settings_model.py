"""The ``Settings`` model. Kept apart from ``settings.py`` so pydantic-settings is imported on first use only."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What a function learns from its environment.

    The same names are set by the CDK stack (per function, only what it needs) and by the local host
    (once for the whole process). Table names are keyed ``<service>.<table>`` so one process can host
    every service.
    """

    model_config = SettingsConfigDict(env_prefix="JK_", frozen=True, extra="ignore")

    region: str = Field(description="Jeugdketen region name, e.g. 'groningen'")
    stage: str = "prod"
    tables: dict[str, str] = Field(default_factory=dict, description="'<service>.<table>' -> table name")
    audit_table: str = ""
    idempotency_table: str = ""
    event_bus: str = ""
    hmac_key_id: str = ""
    data_key_id: str = ""
    config_parameter: str = ""
    signal_guide_parameter: str = Field(default="", description="SSM parameter of the signal guide (signals only)")
    user_pool_id: str = Field(default="", description="the region's Cognito user pool (notifications: contacts)")
    push_applications: dict[str, str] = Field(
        default_factory=dict, description="push platform ('apns', 'fcm') -> SNS platform application ARN"
    )
    retry_back_off_seconds: int = Field(default=30, ge=1, description="first back-off of a consumer's failed message")
    max_body_bytes: int = 64 * 1024
    outbox_ttl_hours: int = 48
    local: bool = Field(default=False, description="True only on the local host")
    meeting_provider: Literal["chime", "local"] = Field(
        default="chime", description="video meetings: 'chime' (Amazon Chime SDK) or 'local' (the local host; no media)"
    )
    meeting_media_region: Literal["eu-central-1", "eu-north-1", "eu-south-1", "eu-west-1", "eu-west-2", "eu-west-3"] = (
        Field(default="eu-central-1", description="Chime SDK media region of video meetings; only EU regions")
    )

    def table_name(self, service: str, table: str) -> str:
        key = f"{service}.{table}"
        try:
            return self.tables[key]
        except KeyError:
            raise LookupError(f"no table configured for {key!r} (JK_TABLES)") from None
