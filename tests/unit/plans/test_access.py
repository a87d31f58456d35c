"""Who sees what in a plan, as a matrix: every token role x every relation to the plan.

The relation decides, never the token's role: a municipality officer who is not in the plan sees nothing,
a parent is a parent whatever groups their token has."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.plans.logic.access import Level, viewer_of
from services.plans.logic.views import plan_view
from services.plans.models.plan import (
    Action,
    Consent,
    Coordinator,
    DomainEntry,
    Goal,
    Member,
    NetworkMember,
    Plan,
)
from services.shared.principal import Principal, Role

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def family_plan(*, draft: bool = False) -> Plan:
    return Plan(
        id="pln-" + "0" * 32,
        draft=draft,
        members=[
            Member(id="mem-00000001", kind="child", display_name="Sanne", birth_date=date(2018, 5, 1)),
            Member(id="mem-00000002", kind="child", display_name="Tim", birth_date=date(2012, 1, 1), user_id="u-tim"),
            Member(id="mem-00000003", kind="parent", display_name="Eva", authority=True, user_id="u-eva"),
            Member(id="mem-00000004", kind="parent", display_name="Piet", authority=True, user_id="u-piet"),
            Member(
                id="mem-00000005", kind="child", display_name="Lotte", birth_date=date(2020, 2, 2), user_id="u-lotte"
            ),
        ],
        network=[
            NetworkMember(
                id="net-00000001",
                kind="professional",
                display_name="Carla",
                user_id="u-carla",
                organization="wijkteam",
                role="gezinscoach",
                added_at=NOW,
            ),
            NetworkMember(
                id="net-00000002",
                kind="professional",
                display_name="Anna",
                user_id="u-anna",
                organization="jgz",
                role="jeugdverpleegkundige",
                added_at=NOW,
            ),
            NetworkMember(
                id="net-00000003",
                kind="professional",
                display_name="Bram",
                user_id="u-bram",
                organization="school",
                role="mentor",
                added_at=NOW,
            ),
            NetworkMember(
                id="net-00000004",
                kind="relative",
                display_name="Oma",
                user_id="u-oma",
                approved_by="mem-00000003",  # Eva brought her in
                role="grootmoeder",
                added_at=NOW,
            ),
            NetworkMember(
                id="net-00000005",
                kind="professional",
                display_name="Ex",
                user_id="u-ex",
                organization="jgz",
                role="vorige verpleegkundige",
                end_date=date(2026, 11, 30),
                added_at=NOW,
            ),
        ],
        coordinator=Coordinator(kind="professional", user_id="u-carla", ref="net-00000001", since=NOW),
        consents=[
            # JGZ: both parents for Sanne and Lotte, and Tim (14) himself with them.
            Consent(id="con-00000001", organization="jgz", given_by="mem-00000003", given_at=NOW),
            Consent(id="con-00000002", organization="jgz", given_by="mem-00000002", given_at=NOW),
        ],
        domains={"health": DomainEntry(strengths=["sport"], concerns=["slaap"], hidden_from=["mem-00000004"])},
        goals=[
            Goal(id="gol-00000001", domain="health", description="beter slapen"),
            Goal(
                id="gol-00000002",
                domain="upbringing_and_family",
                description="rust thuis",
                hidden_from=["mem-00000004"],
            ),
        ],
        actions=[Action(id="act-00000001", description="slaapdagboek", owner="net-00000002")],
        created_at=NOW,
        updated_at=NOW,
    )


def matrix_plan(*, draft: bool = False) -> Plan:
    """The family plan, plus a friend the coordinator (not the family) added and a professional listed under
    an organisation their token does not name."""
    plan = family_plan(draft=draft)
    plan.network += [
        NetworkMember(
            id="net-00000006",
            kind="friend",
            display_name="Buurvrouw",
            user_id="u-buur",
            role="buurvrouw",
            added_at=NOW,
        ),
        NetworkMember(
            id="net-00000007",
            kind="professional",
            display_name="Fake",
            user_id="u-fake",
            organization="jgz",
            role="says JGZ",
            added_at=NOW,
        ),
    ]
    return plan


# relation -> (user id, expected level, sees the goal hidden from Piet)
RELATIONS = {
    "coordinator": ("u-carla", Level.CONTENT, True),
    "parent with authority": ("u-eva", Level.CONTENT, True),
    "hidden-from parent": ("u-piet", Level.CONTENT, False),
    "child of 14": ("u-tim", Level.CONTENT, True),
    "child under 12": ("u-lotte", Level.NONE, None),
    "relative in the network": ("u-oma", Level.CONTENT, True),
    "friend the coordinator added": ("u-buur", Level.SUMMARY, None),
    "professional not working where listed": ("u-fake", Level.SUMMARY, None),
    "consented professional": ("u-anna", Level.CONTENT, True),
    "unconsented professional": ("u-bram", Level.SUMMARY, None),
    "ended network member": ("u-ex", Level.NONE, None),
    "outsider": ("u-stranger", Level.NONE, None),
}
ROLES = [frozenset({role}) for role in Role] + [frozenset()]
# The organisation each caller's token names (u-fake is listed under "jgz" but works elsewhere).
WORKS_AT = {"u-carla": "wijkteam", "u-anna": "jgz", "u-bram": "school", "u-ex": "jgz", "u-fake": "gemeente"}


def principal(user_id: str, roles: frozenset[Role] = frozenset()) -> Principal:
    return Principal(
        user_id=user_id, username=user_id, roles=roles, region="groningen", organization=WORKS_AT.get(user_id)
    )


@pytest.mark.parametrize("roles", ROLES, ids=lambda r: ",".join(sorted(x.value for x in r)) or "no-role")
@pytest.mark.parametrize("relation", list(RELATIONS))
def test_what_each_relation_sees_whatever_the_token_role(relation: str, roles: frozenset[Role]) -> None:
    user_id, level, sees_hidden = RELATIONS[relation]
    plan = matrix_plan()
    viewer = viewer_of(plan, principal(user_id, roles), TODAY)

    assert viewer.level is level
    if level is Level.NONE:
        return
    view = plan_view(plan, viewer, TODAY)
    assert [n.display_name for n in view.network] == [
        "Carla",
        "Anna",
        "Bram",
        "Oma",
        "Buurvrouw",
        "Fake",
    ]  # everyone sees who
    assert view.coordinator.display_name == "Carla"
    if level is Level.SUMMARY:
        assert view.access == "summary"
        assert view.goals is view.actions is view.domains is view.members is view.consents is None
        return
    assert view.access == "content"
    goals = {g.id for g in view.goals or []}
    assert ("gol-00000002" in goals) is sees_hidden
    assert bool(view.domains) is sees_hidden  # the health entry is hidden from Piet too
    assert "gol-00000001" in goals and [a.id for a in view.actions or []] == ["act-00000001"]


def test_a_draft_shows_content_to_nobody_but_the_coordinator_and_the_family() -> None:
    plan = family_plan(draft=True)
    for user_id, level in (("u-carla", Level.CONTENT), ("u-anna", Level.SUMMARY), ("u-eva", Level.CONTENT)):
        viewer = viewer_of(plan, principal(user_id), TODAY)
        assert viewer.level is level, user_id


def test_revoking_consent_mid_way_takes_the_content_away() -> None:
    plan = family_plan()
    anna = principal("u-anna")
    assert viewer_of(plan, anna, TODAY).level is Level.CONTENT
    plan.consents[0].revoked_at = NOW
    assert viewer_of(plan, anna, TODAY).level is Level.SUMMARY


def test_a_network_member_loses_access_the_day_after_the_end_date() -> None:
    plan = family_plan()
    plan.network[1].end_date = date(2026, 12, 1)
    anna = principal("u-anna")
    assert viewer_of(plan, anna, date(2026, 12, 1)).level is Level.CONTENT
    assert viewer_of(plan, anna, date(2026, 12, 2)).level is Level.NONE


def test_who_may_edit_and_manage() -> None:
    plan = family_plan()

    def can(user_id: str) -> tuple[bool, bool]:
        viewer = viewer_of(plan, principal(user_id), TODAY)
        return viewer.can_edit, viewer.can_manage

    assert can("u-carla") == (True, True)  # the coordinator
    assert can("u-eva") == (True, True)  # a parent with authority
    assert can("u-anna") == (True, False)  # a consented professional edits content, not the network
    assert can("u-tim") == (False, False)  # 14: sees, does not decide alone
    assert can("u-oma") == (False, False)
    assert can("u-bram") == (False, False)
