"""DynamoDB conventions shared by every service: lazily named tables and the one-transaction unit of work.

Table names are not known at import time (settings are read on first use), so a model's ``Meta`` is an
instance of :class:`LazyTableMeta`, whose ``table_name`` is looked up in the settings each time pynamodb asks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from services.shared.settings import get_settings

if TYPE_CHECKING:
    from services.shared.settings_model import Settings


class LazyTableMeta(type):
    """Metaclass of a pynamodb ``Meta``: the table name is resolved from settings when first needed."""

    resolve_table_name: Callable[[Settings], str]

    @property
    def table_name(cls) -> str:
        return cls.resolve_table_name(get_settings())


def service_table_meta(service: str, table: str = "main") -> Any:
    """``Meta`` for a service's own table, named ``<service>.<table>`` in the settings."""
    return LazyTableMeta(
        "Meta",
        (),
        {
            "resolve_table_name": staticmethod(lambda s: s.table_name(service, table)),
            "jk_service": service,
            "jk_table": table,
        },
    )


def kernel_table_meta(resolve: Callable[[Settings], str]) -> Any:
    """``Meta`` for a region-wide kernel table (audit, idempotency)."""
    return LazyTableMeta("Meta", (), {"resolve_table_name": staticmethod(resolve)})


class ServiceItem(Model):
    """Base of every service's single table: generic keys and a TTL.

    A service declares its table base with its own discriminator (pynamodb keeps the registry of entity
    classes on the attribute, so each table needs its own)::

        class SignalsItem(ServiceItem):
            Meta = service_table_meta("signals")
            entity = DiscriminatorAttribute()

    and its entities as ``class Signal(SignalsItem, discriminator="signal")``.
    """

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = TTLAttribute(null=True)


class OutboxFields:
    """Attributes of an outbox entry; mixed into each service's outbox entity (see ``outbox.py``)."""

    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    source = UnicodeAttribute()
    envelope = UnicodeAttribute()


def attribute_value(image: dict[str, Any], name: str) -> str | None:
    """The string value of ``name`` in a DynamoDB-JSON image, or None."""
    value = image.get(name)
    if not isinstance(value, dict):
        return None
    raw = value.get("S")
    return raw if isinstance(raw, str) else None
