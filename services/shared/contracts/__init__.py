"""Event contracts: one module per producing service. The producer owns the schema.

``all_contracts()`` lists every published event type; the catalogue (docs/events.md) and the JSON Schema
snapshots in tests/contract are generated from it.
"""

from __future__ import annotations

import importlib

from services.shared.events import EventData

PRODUCERS = ("signals", "plans", "video", "notifications")


def all_contracts() -> list[type[EventData]]:
    found: list[type[EventData]] = []
    for producer in PRODUCERS:
        module = importlib.import_module(f"services.shared.contracts.{producer}")
        found.extend(getattr(module, "CONTRACTS", ()))
    return found
