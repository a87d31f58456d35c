"""Who sees and does what in a plan: decided here, and only here.

A caller's relation to a plan is one of:

- a **family member** (by their account): parents see the content (minus what is hidden from them); a child
  of 12 or older sees their own plan; a younger child sees nothing (the parents with authority act for them);
- the **coordinator**: sees everything, also before anyone consented (they started or took the plan on);
- a **network member** whose end date has not passed: relatives and friends see the content if a family
  member brought them in (``approved_by``); a professional sees it only if the family's consent for their
  organisation holds (``consent``) and their token says they work there; otherwise each sees only that the
  plan exists, who coordinates and who is in the network;
- anyone else - an outsider, or a network member whose end date passed - sees nothing: the plan does not
  exist for them (404).

Items hidden from a family member are left out of what that member sees, wherever they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from services.plans.logic import consent
from services.plans.models.plan import Member, NetworkMember, Plan
from services.shared.principal import Principal

YOUTH_SEES_OWN_PLAN = 12


class Level(IntEnum):
    NONE = 0  # 404
    SUMMARY = 1  # that the plan exists, who coordinates, who is in the network
    CONTENT = 2  # everything not hidden from this caller


@dataclass(frozen=True)
class Viewer:
    level: Level
    relation: str  # coordinator | parent | child | relative | friend | professional | outsider | ended
    member: Member | None = None  # the caller as a family member
    network: NetworkMember | None = None  # the caller as a network member
    can_edit: bool = False  # content: domains, goals, actions, agreements, safety, evaluation
    can_manage: bool = False  # network, phase, coordinator

    @property
    def hidden_key(self) -> str | None:
        return self.member.id if self.member else None


NOBODY = Viewer(Level.NONE, "outsider")


def active(member: NetworkMember, today: date) -> bool:
    return member.end_date is None or today <= member.end_date


def viewer_of(plan: Plan, principal: Principal, today: date) -> Viewer:
    user = principal.user_id
    as_member = next((m for m in plan.members if m.user_id == user), None)
    mine = [n for n in plan.network if n.user_id == user]  # an active entry wins over an ended one (re-added)
    as_network = next((n for n in mine if active(n, today)), mine[0] if mine else None)
    if plan.coordinator.user_id == user:
        return Viewer(Level.CONTENT, "coordinator", as_member, as_network, can_edit=True, can_manage=True)
    if as_member is not None:
        if as_member.kind == "parent":
            authority = as_member.authority
            return Viewer(Level.CONTENT, "parent", as_member, can_edit=authority, can_manage=authority)
        age = consent.age(as_member.birth_date, today)
        if age >= YOUTH_SEES_OWN_PLAN:
            adult_enough = age >= consent.DECIDES_ALONE
            return Viewer(Level.CONTENT, "child", as_member, can_edit=adult_enough, can_manage=adult_enough)
        return NOBODY
    if as_network is not None:
        if not active(as_network, today):
            return Viewer(Level.NONE, "ended", network=as_network)
        if as_network.kind != "professional":
            # Relatives and friends see content when the family itself brought them in, and not in a draft.
            approved = as_network.approved_by is not None and not plan.draft
            return Viewer(Level.CONTENT if approved else Level.SUMMARY, as_network.kind, network=as_network)
        # Consent is for an organisation: the caller must work there (their token says so), not only be listed so.
        own = as_network.organization is not None and principal.organization == as_network.organization
        consented = own and consent.holds(plan, as_network.organization or "", today)
        if consented and not plan.draft:
            return Viewer(Level.CONTENT, "professional", network=as_network, can_edit=True)
        return Viewer(Level.SUMMARY, "professional", network=as_network)
    return NOBODY


def hidden_from(item_hidden_from: list[str], viewer: Viewer) -> bool:
    return viewer.hidden_key is not None and viewer.hidden_key in item_hidden_from
