"""What one caller sees of a plan, built from ``access.viewer_of``: the one place where a response is cut to
the caller. Nothing leaves the plans API about a plan except through ``plan_view`` and ``summary``."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.plans.logic import consent
from services.plans.logic.access import Level, Viewer, active, hidden_from
from services.plans.models.api import (
    ActionView,
    AgreementView,
    ConsentView,
    CoordinatorView,
    DomainView,
    EvaluationView,
    GoalView,
    MemberView,
    NetworkView,
    PlanSummary,
    PlanView,
)
from services.plans.models.plan import LIFE_DOMAINS, Plan


def coordinator_view(plan: Plan) -> CoordinatorView:
    ref = plan.coordinator.ref
    member = plan.member(ref)
    network = plan.network_member(ref)
    name = member.display_name if member else network.display_name if network else ""
    return CoordinatorView(kind=plan.coordinator.kind, ref=ref, display_name=name, since=plan.coordinator.since)


def _network(plan: Plan, today: date) -> list[NetworkView]:
    return [
        NetworkView(
            id=n.id,
            kind=n.kind,
            display_name=n.display_name,
            role=n.role,
            organization=n.organization,
            end_date=n.end_date,
        )
        for n in plan.network
        if active(n, today)
    ]


def plan_view(plan: Plan, viewer: Viewer, today: date) -> PlanView:
    if viewer.level is Level.NONE:
        raise ValueError("no view for a caller without access")  # callers answer 404 before getting here
    base: dict[str, Any] = {
        "id": plan.id,
        "version": plan.version,
        "phase": plan.phase,
        "draft": plan.draft,
        "coordinator": coordinator_view(plan),
        "network": _network(plan, today),
        "relation": viewer.relation,
        "can_edit": viewer.can_edit,
        "updated_at": plan.updated_at,
    }
    if viewer.level is Level.SUMMARY:
        return PlanView(access="summary", **base)
    show_hidden = viewer.can_edit and viewer.member is None  # professionals and coordinators manage hiding
    domains = [
        DomainView(domain=d, strengths=plan.domains[d].strengths, concerns=plan.domains[d].concerns)
        for d in LIFE_DOMAINS
        if d in plan.domains and not hidden_from(plan.domains[d].hidden_from, viewer)
    ]
    return PlanView(
        access="content",
        members=[
            MemberView(
                id=m.id, kind=m.kind, display_name=m.display_name, birth_date=m.birth_date, authority=m.authority
            )
            for m in plan.members
        ],
        consents=[
            ConsentView(
                id=c.id,
                organization=c.organization,
                given_by=c.given_by,
                given_at=c.given_at,
                until=c.until,
                revoked_at=c.revoked_at,
                in_force=consent.in_force(c, today),
            )
            for c in plan.consents
        ],
        domains=domains,
        goals=[
            GoalView(
                id=g.id,
                domain=g.domain,
                description=g.description,
                status=g.status,
                target_date=g.target_date,
                hidden_from=g.hidden_from if show_hidden else None,
            )
            for g in plan.goals
            if not hidden_from(g.hidden_from, viewer)
        ],
        actions=[
            ActionView(
                id=a.id,
                description=a.description,
                owner=a.owner,
                goal_id=a.goal_id,
                due_date=a.due_date,
                status=a.status,
                hidden_from=a.hidden_from if show_hidden else None,
            )
            for a in plan.actions
            if not hidden_from(a.hidden_from, viewer)
        ],
        agreements=[
            AgreementView(id=a.id, text=a.text) for a in plan.agreements if not hidden_from(a.hidden_from, viewer)
        ],
        safety=plan.safety.text if plan.safety and not hidden_from(plan.safety.hidden_from, viewer) else None,
        evaluation_date=plan.evaluation_date,
        evaluations=[
            EvaluationView(
                id=e.id,
                held_on=e.held_on,
                summary=e.summary,
                finalised=e.finalised_at is not None,
                finalised_at=e.finalised_at,
            )
            for e in plan.evaluations
        ],
        **base,
    )


def summary(plan: Plan, viewer: Viewer) -> PlanSummary:
    return PlanSummary(
        id=plan.id,
        phase=plan.phase,
        draft=plan.draft,
        relation=viewer.relation,
        access="content" if viewer.level is Level.CONTENT else "summary",
        coordinator=coordinator_view(plan),
        updated_at=plan.updated_at,
    )
