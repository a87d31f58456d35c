"""The family's consent, per organisation, under the age rules of the WGBO as DOMAIN.md puts them: under 12
the parents with authority consent for a child; from 12 to 15 the child and a parent with authority both;
from 16 the child alone. A plan's consent for an organisation holds when it holds for every child in it."""

from __future__ import annotations

from datetime import date

from services.plans.models.plan import Consent, Member, Plan

CHILD_CONSENTS_TOO = 12
DECIDES_ALONE = 16


def age(birth: date | None, today: date) -> int:
    if birth is None:
        return 0
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def in_force(record: Consent, today: date) -> bool:
    return record.revoked_at is None and (record.until is None or today <= record.until)


def holds_for_child(plan: Plan, child: Member, organization: str, today: date) -> bool:
    if child.birth_date is None:
        return False  # whose consent counts depends on the age: none until the birth date is known
    givers = {c.given_by for c in plan.consents if c.organization == organization and in_force(c, today)}
    parents_with_authority = {m.id for m in plan.members if m.kind == "parent" and m.authority}
    years = age(child.birth_date, today)
    if years >= DECIDES_ALONE:
        return child.id in givers
    parent_consented = bool(givers & parents_with_authority)
    if years >= CHILD_CONSENTS_TOO:
        return parent_consented and child.id in givers
    return parent_consented


def holds(plan: Plan, organization: str, today: date) -> bool:
    children = [m for m in plan.members if m.kind == "child"]
    return bool(children) and all(holds_for_child(plan, child, organization, today) for child in children)


def may_give(plan: Plan, giver: Member, today: date) -> bool:
    """Whether this family member's consent counts for at least one child of the plan."""
    if giver.kind == "parent":
        return giver.authority and any(
            age(c.birth_date, today) < DECIDES_ALONE for c in plan.members if c.kind == "child"
        )
    return age(giver.birth_date, today) >= CHILD_CONSENTS_TOO
