"""Consent by age (WGBO as DOMAIN.md puts it): under 12 a parent with authority; 12-15 the child and a parent
with authority; 16 and over the child alone. A plan's consent holds when it holds for every child."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.plans.logic import consent
from services.plans.models.plan import Consent, Coordinator, Member, Plan

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
MOTHER = Member(id="mem-mother1", kind="parent", display_name="M", authority=True)
FATHER_WITHOUT_AUTHORITY = Member(id="mem-father1", kind="parent", display_name="F", authority=False)


def plan_with(child_birth: date, *givers: str, until: date | None = None) -> Plan:
    child = Member(id="mem-child01", kind="child", display_name="C", birth_date=child_birth)
    return Plan(
        id="pln-1",
        members=[child, MOTHER, FATHER_WITHOUT_AUTHORITY],
        coordinator=Coordinator(kind="parent", user_id="u", ref=MOTHER.id, since=NOW),
        consents=[
            Consent(id=f"con-{n}", organization="school", given_by=g, given_at=NOW, until=until)
            for n, g in enumerate(givers)
        ],
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("birth", "givers", "holds"),
    [
        (date(2016, 1, 1), ("mem-mother1",), True),  # 10: the parent with authority
        (date(2016, 1, 1), ("mem-father1",), False),  # without authority: does not count
        (date(2016, 1, 1), ("mem-child01",), False),  # 10: the child's own consent does not count alone
        (date(2014, 12, 1), ("mem-mother1",), False),  # 12 today: the parent alone no longer suffices
        (date(2014, 12, 1), ("mem-mother1", "mem-child01"), True),
        (date(2014, 12, 2), ("mem-mother1",), True),  # 11 (turns 12 tomorrow)
        (date(2013, 1, 1), ("mem-mother1",), False),  # 13: the child must consent too
        (date(2013, 1, 1), ("mem-child01",), False),  # 13: and a parent with authority
        (date(2013, 1, 1), ("mem-child01", "mem-mother1"), True),
        (date(2010, 12, 1), ("mem-child01",), True),  # 16 today: alone
        (date(2010, 12, 2), ("mem-child01",), False),  # 15 until tomorrow
        (date(2009, 1, 1), ("mem-mother1",), False),  # 17: the parent cannot consent for them
    ],
)
def test_age_rules(birth: date, givers: tuple[str, ...], holds: bool) -> None:
    assert consent.holds(plan_with(birth, *givers), "school", TODAY) is holds


def test_consent_until_a_date_and_revoked_consent_no_longer_hold() -> None:
    plan = plan_with(date(2016, 1, 1), "mem-mother1", until=date(2026, 12, 1))
    assert consent.holds(plan, "school", TODAY)
    assert not consent.holds(plan, "school", date(2026, 12, 2))
    plan = plan_with(date(2016, 1, 1), "mem-mother1")
    plan.consents[0].revoked_at = NOW
    assert not consent.holds(plan, "school", TODAY)


def test_consent_for_one_organisation_is_not_consent_for_another() -> None:
    assert not consent.holds(plan_with(date(2016, 1, 1), "mem-mother1"), "jgz", TODAY)


def test_who_may_give_consent() -> None:
    young = plan_with(date(2016, 1, 1))
    assert consent.may_give(young, MOTHER, TODAY)
    assert not consent.may_give(young, FATHER_WITHOUT_AUTHORITY, TODAY)
    assert not consent.may_give(young, young.members[0], TODAY)
    grown = plan_with(date(2009, 1, 1))
    assert consent.may_give(grown, grown.members[0], TODAY)
    assert not consent.may_give(grown, MOTHER, TODAY)  # 17: the parent no longer decides


def test_no_consent_counts_for_a_child_whose_birth_date_is_unknown() -> None:
    plan = plan_with(date(2016, 1, 1), "mem-mother1", "mem-child01")
    plan.members[0].birth_date = None  # a plan started from a match: the coordinator has yet to fill it in
    assert not consent.holds(plan, "school", TODAY)
