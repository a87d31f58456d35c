"""``GET /<service>/health``: the service's version and whether each of its tables answers."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from pydantic import BaseModel
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from services.shared.manifest import ServiceAbout, ServiceManifest
from services.shared.settings import get_settings

_PROBE_KEY = "HEALTH#probe"


class HealthReport(BaseModel):
    service: str
    version: str
    region: str
    status: Literal["ok", "degraded"]
    tables: dict[str, Literal["ok", "unavailable"]]


def table_answers(model: type) -> bool:
    """A cheap read of a key that never exists: DoesNotExist means the table answered."""
    try:
        model.get(_PROBE_KEY, _PROBE_KEY)  # type: ignore[attr-defined]
    except DoesNotExist:
        return True
    except PynamoDBException:
        return False
    return True


def check_health(manifest: ServiceAbout | ServiceManifest) -> HealthReport:
    tables = {t.name: ("ok" if table_answers(t.model) else "unavailable") for t in manifest.tables}
    return HealthReport(
        service=manifest.name,
        version=manifest.version,
        region=get_settings().region,
        status="ok" if all(v == "ok" for v in tables.values()) else "degraded",
        tables=tables,  # type: ignore[arg-type]
    )


def register_health(app: APIGatewayRestResolver, manifest: ServiceAbout | ServiceManifest) -> None:
    @app.get(
        f"{manifest.api_prefix}/health",
        summary=f"Health of the {manifest.name} service",
        tags=[manifest.name],
        operation_id=f"{manifest.name}_health",
        responses={
            200: {"description": "the service and its tables answer"},
            503: {"description": "a table does not answer"},
        },
    )
    def health() -> Response[HealthReport]:
        report = check_health(manifest)
        return Response(status_code=200 if report.status == "ok" else 503, content_type="application/json", body=report)
