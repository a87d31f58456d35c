"""One family, one plan, also for a child who joins a plan after it started."""

from __future__ import annotations

from tests.services.plans.conftest import World

CHILD_BSN = "999990056"


def test_a_child_added_with_a_bsn_has_no_second_plan(world: World) -> None:
    first = world.call("carla", "POST", "/plans", {"children": [{"display_name": "S", "birth_date": "2018-05-01"}]})
    assert first.status == 201, first.body
    new_child = {"display_name": "T", "birth_date": "2019-01-01", "bsn": CHILD_BSN}
    child = {"kind": "child", **new_child}
    added = world.call("carla", "POST", f"/plans/{first.body['id']}/members", child, if_match=first.etag)
    assert added.status == 200, added.body

    again = world.call("anna", "POST", "/plans", {"children": [new_child]})
    assert again.status == 409 and again.body["details"]["plan_id"] == first.body["id"], again.body
    elsewhere = world.call("anna", "POST", "/plans", {"children": [{"display_name": "U", "birth_date": "2017-01-01"}]})
    moved = world.call("anna", "POST", f"/plans/{elsewhere.body['id']}/members", child, if_match=elsewhere.etag)
    assert moved.status == 409 and moved.body["code"] == "plan_exists", moved.body
