from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from pydantic import ValidationError

from services.shared.events import EventData
from services.shared.manifest import (
    FunctionKind,
    ManifestError,
    Schedule,
    ServiceManifest,
    Subscription,
    TableSpec,
    load_manifests,
)
from services.shared.platform import AUDIT_TABLE
from services.shared.region import RegionConfig
from services.signals.dal.tables import SignalsItem

REGIONS = Path(__file__).resolve().parents[2] / "infra" / "regions"


class PlanStarted(EventData):
    producer: ClassVar[str] = "plans"
    plan_id: str


def region_dict(name: str = "groningen") -> dict[str, Any]:
    data = yaml.safe_load((REGIONS / f"{name}.yaml").read_text())
    data.pop("aws")
    data.pop("signal_guide", None)
    return data


def test_every_service_has_an_api_a_table_and_a_relay() -> None:
    manifests = load_manifests()
    assert [m.name for m in manifests] == ["signals", "plans", "video", "notifications"]
    for manifest in manifests:
        kinds = [f.kind for f in manifest.functions()]
        assert kinds.count(FunctionKind.API) == 1
        assert kinds.count(FunctionKind.RELAY) == len(manifest.tables)
        assert manifest.api_prefix == f"/{manifest.name}"


def test_table_definition_comes_from_the_pynamodb_model() -> None:
    definition = TableSpec(name="main", model=SignalsItem).definition()
    assert (definition.partition_key.name, definition.sort_key.name if definition.sort_key else None) == ("pk", "sk")
    assert definition.ttl_attribute == "expires_at"
    assert definition.stream
    assert [i.name for i in AUDIT_TABLE.global_indexes] == ["by_user"]
    assert not AUDIT_TABLE.stream


def base_manifest(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "signals",
        "version": "1",
        "description": "d",
        "api_prefix": "/signals",
        "api_handler": "services.signals.handlers.api.handler",
        "tables": (TableSpec(name="main", model=SignalsItem),),
        **overrides,
    }


def test_a_service_cannot_publish_another_services_events() -> None:
    with pytest.raises(ManifestError, match="produced by 'plans'"):
        ServiceManifest(**base_manifest(publishes=(PlanStarted,)))


def test_handlers_must_live_inside_the_service() -> None:
    with pytest.raises(ManifestError, match="not inside services/signals"):
        ServiceManifest(**base_manifest(api_handler="services.plans.handlers.api.handler"))


def test_subscription_and_schedule_become_functions() -> None:
    manifest = ServiceManifest(
        **base_manifest(
            subscriptions=(
                Subscription(
                    name="on-plan", handler="services.signals.handlers.on_plan.handler", events=(PlanStarted,)
                ),
            ),
            schedules=(Schedule(name="sweeper", handler="services.signals.handlers.sweeper.handler", rate_minutes=5),),
        )
    )
    by_name = {f.name: f for f in manifest.functions()}
    assert by_name["signals-on-plan"].subscription is not None
    assert by_name["signals-on-plan"].subscription.event_pattern() == PlanStarted.pattern()
    assert by_name["signals-sweeper"].schedule is not None and by_name["signals-sweeper"].kind == FunctionKind.SWEEPER


def test_subscription_needs_exactly_one_kind_of_pattern() -> None:
    with pytest.raises(ManifestError, match="either event types or a raw pattern"):
        Subscription(name="x-y", handler="services.video.handlers.x.handler")


@pytest.mark.parametrize("region", ["groningen", "haaglanden"])
def test_region_files_are_valid(region: str) -> None:
    config = RegionConfig.model_validate(region_dict(region))
    assert config.name == region
    assert set(config.matchregie) == {m.code for m in config.municipalities}
    assert all(o.demo for o in config.organisations), "only demo organisations until real agreements exist"


def test_groningen_has_its_ten_municipalities() -> None:
    config = RegionConfig.model_validate(region_dict("groningen"))
    assert len(config.municipalities) == 10
    assert config.municipality("GM0014") is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["contact_247"].update(out_of_hours_partner="nobody"), "out_of_hours_partner"),
        (lambda d: d["matchregie"].pop("GM0014"), "no match follow-up officer"),
        (lambda d: d["organisations"][0].update(signalling_agreements=["GM9999"]), "unknown municipality"),
        (lambda d: d["organisations"][4].update(signalling_agreements=["GM0014"]), "cannot have signalling"),
        (lambda d: d.update(languages=["en"]), "Dutch"),
        (lambda d: d["contact_247"]["office_hours"].update(timezone="Mars/Olympus"), "unknown time zone"),
        (lambda d: d["municipalities"][0].update(code="0014"), "code"),
        (lambda d: d.update(surprise=True), "surprise"),
    ],
)
def test_invalid_region_config_says_what_is_wrong(change: Any, message: str) -> None:
    data = copy.deepcopy(region_dict())
    change(data)
    with pytest.raises(ValidationError, match=message):
        RegionConfig.model_validate(data)
