"""The baseline for cold imports: a minimal Powertools REST handler with one pydantic and one pynamodb model."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import BaseModel
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

app = APIGatewayRestResolver(enable_validation=True)


class Item(BaseModel):
    name: str


class ItemRecord(Model):
    class Meta:
        table_name = "items"

    pk = UnicodeAttribute(hash_key=True)


@app.post("/items")
def create_item(item: Item) -> dict[str, Any]:
    return item.model_dump()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
