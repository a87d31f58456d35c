"""The probe API: routes under /probe."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel, Field

from services.shared.api import create_app, current_principal, lambda_handler, requires
from services.shared.health import register_health
from services.shared.principal import Role
from tests.probe import logic
from tests.probe.dal import ProbeItem
from tests.probe.manifest import MANIFEST

ItemId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


class NewItem(BaseModel):
    id: ItemId
    fail: bool = False


class NewItems(BaseModel):
    items: list[NewItem] = Field(min_length=1, max_length=25)  # 3 writes each; a transaction holds 100


class ItemView(BaseModel):
    id: str
    fail: bool
    event_id: str
    created_by: str
    effects: int = Field(description="how many times the consumer took effect for this item")

    @classmethod
    def of(cls, item: ProbeItem) -> ItemView:
        return cls(
            id=item.item_id,
            fail=item.fail,
            event_id=item.event_id,
            created_by=item.created_by,
            effects=int(item.effects),
        )


class ItemsView(BaseModel):
    items: list[ItemView]


class SweepsView(BaseModel):
    runs: int
    last_now: str | None


app = create_app(service=MANIFEST.name, version=MANIFEST.version, description=MANIFEST.description)
register_health(app, MANIFEST)
PROFESSIONALS = [requires(Role.PROFESSIONAL)]


@app.post("/probe/items", operation_id="probe_create_item", tags=["probe"], middlewares=PROFESSIONALS)
def create_item(item: NewItem) -> Response[ItemView]:
    [created] = logic.create_items(current_principal(), [(item.id, item.fail)])
    return Response(status_code=201, content_type="application/json", body=ItemView.of(created))


@app.post("/probe/batches", operation_id="probe_create_items", tags=["probe"], middlewares=PROFESSIONALS)
def create_items(batch: NewItems) -> Response[ItemsView]:
    created = logic.create_items(current_principal(), [(i.id, i.fail) for i in batch.items])
    return Response(
        status_code=201, content_type="application/json", body=ItemsView(items=[ItemView.of(i) for i in created])
    )


@app.get("/probe/items/<item_id>", operation_id="probe_get_item", tags=["probe"])
def get_item(item_id: str) -> ItemView:
    return ItemView.of(logic.get_item(item_id))


@app.get("/probe/sweeps", operation_id="probe_sweeps", tags=["probe"])
def get_sweeps() -> SweepsView:
    sweeps = logic.sweeps()
    return SweepsView(runs=int(sweeps.runs), last_now=sweeps.last_now)


handler = lambda_handler(app, component="probe-api")
