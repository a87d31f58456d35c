"""The family plan's use cases. Every read and write is decided by ``access.viewer_of`` and audited; every
write is conditional on the version the caller saw (``If-Match``) and recorded in the plan's history."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.plans.dal import repository as repo
from services.plans.logic import consent
from services.plans.logic.access import Level, Viewer, active, hidden_from, viewer_of
from services.plans.logic.views import plan_view, summary
from services.plans.models.api import (
    ActionUpdate,
    ConsentRequest,
    CoordinatorHandover,
    DomainUpdate,
    EvaluationChange,
    EvaluationUpdate,
    GoalUpdate,
    MemberUpdate,
    NetworkUpdate,
    NewAction,
    NewAgreement,
    NewEvaluation,
    NewGoal,
    NewMember,
    NewNetworkMember,
    NewPlan,
    PhaseChange,
    PlanPage,
    PlanView,
    SafetyUpdate,
)
from services.plans.models.plan import (
    Action,
    Agreement,
    Consent,
    Coordinator,
    DomainEntry,
    Evaluation,
    Goal,
    Member,
    NetworkMember,
    Plan,
    Safety,
)
from services.shared import audit, clock
from services.shared.audit import AuditAction, AuditOutcome, AuditRecord
from services.shared.contracts.plans import (
    PlanActionAssigned,
    PlanClosed,
    PlanConsentGiven,
    PlanConsentRevoked,
    PlanCoordinatorChanged,
    PlanNetworkMemberAdded,
    PlanPhaseChanged,
    PlanStarted,
)
from services.shared.contracts.signals import CoordinatorAssigned
from services.shared.directory import find_user
from services.shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
)
from services.shared.events import EventData
from services.shared.outbox import TransactionConflict
from services.shared.principal import Principal
from services.shared.pseudonym import pseudonymize

MAX_DOCUMENT_BYTES = 300_000  # DynamoDB items hold at most 400 KB; history and keys need the rest
RETENTION_YEARS = 20  # Jeugdwet 7.3.8: kept 20 years after care ended, unless destroyed on request
PHASE_ORDER = {"intake": 0, "active": 1, "evaluation": 2, "closed": 3}


def today() -> date:
    return clock.now().astimezone(ZoneInfo("Europe/Amsterdam")).date()


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def _record(principal: Principal, plan_id: str, event: str, action: AuditAction, **extra: Any) -> AuditRecord:
    return AuditRecord.by(
        principal,
        service="plans",
        event=event,
        action=action,
        basis=extra.pop("basis", "family plan: relation to the plan"),
        client=f"plan:{plan_id}",
        objects=(f"plan:{plan_id}", *extra.pop("objects", ())),
        **extra,
    )


def _not_found(principal: Principal, plan_id: str) -> NotFound:
    audit.write(_record(principal, plan_id, "plan.read", AuditAction.READ, outcome=AuditOutcome.DENIED))
    return NotFound("no such plan of yours", code="plan_not_found")


def _visible(principal: Principal, plan_id: str) -> tuple[Plan, Viewer]:
    plan = repo.get_plan(plan_id)
    if plan is None:
        raise NotFound("no such plan of yours", code="plan_not_found")
    viewer = viewer_of(plan, principal, today())
    if viewer.level is Level.NONE:
        raise _not_found(principal, plan_id)
    return plan, viewer


# -- reading ----------------------------------------------------------------------------------------------------
def read_plan(principal: Principal, plan_id: str) -> PlanView:
    plan, viewer = _visible(principal, plan_id)
    audit.write(_record(principal, plan_id, f"plan.read.{viewer.level.name.lower()}", AuditAction.READ))
    return plan_view(plan, viewer, today())


def visible_for_export(principal: Principal, plan_id: str) -> tuple[Plan, Viewer]:
    """The plan and the caller's view of it, for an export; the export is audited like a read."""
    plan, viewer = _visible(principal, plan_id)
    audit.write(_record(principal, plan_id, f"plan.export.{viewer.level.name.lower()}", AuditAction.EXPORT))
    return plan, viewer


def list_plans(principal: Principal, *, family_only: bool = False) -> PlanPage:
    shown = []
    records = []
    for plan_id in repo.plans_of(principal.user_id):
        plan = repo.get_plan(plan_id)
        if plan is None:
            continue
        viewer = viewer_of(plan, principal, today())
        if viewer.level is Level.NONE or (family_only and viewer.member is None):
            continue
        shown.append(summary(plan, viewer))
        records.append(_record(principal, plan.id, "plan.list", AuditAction.SEARCH))
    if records:
        audit.write_many(records)
    shown.sort(key=lambda s: s.updated_at, reverse=True)
    return PlanPage(items=shown)


def plan_history(principal: Principal, plan_id: str) -> list[dict[str, Any]]:
    plan, viewer = _visible(principal, plan_id)
    if viewer.level is not Level.CONTENT:
        raise Forbidden("the plan's history needs the family's consent", code="consent_required")
    audit.write(_record(principal, plan_id, "plan.history", AuditAction.READ))
    hidden = _hidden_items(plan, viewer)
    return [
        {"version": h.version, "at": h.at, "by": h.by, "change": h.change, "items": list(h.items or [])}
        for h in repo.history(plan_id)
        if not hidden & set(h.items or []) and not (h.change == "safety.set" and "safety" in hidden)
    ]


def _hidden_items(plan: Plan, viewer: Viewer) -> set[str]:
    """The history item ids of what is hidden from this viewer: changes to them are left out of the history."""
    hidden = {f"goal:{g.id}" for g in plan.goals if hidden_from(g.hidden_from, viewer)}
    hidden |= {f"action:{a.id}" for a in plan.actions if hidden_from(a.hidden_from, viewer)}
    hidden |= {f"agreement:{a.id}" for a in plan.agreements if hidden_from(a.hidden_from, viewer)}
    hidden |= {f"domain:{d}" for d, entry in plan.domains.items() if hidden_from(entry.hidden_from, viewer)}
    if plan.safety is not None and hidden_from(plan.safety.hidden_from, viewer):
        hidden.add("safety")
    return hidden


# -- writing ----------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    change: str
    items: list[str]
    events: list[EventData] = field(default_factory=list)


def parse_if_match(header: str | None) -> int:
    if header is None or not header.strip():
        raise PreconditionRequired("send If-Match with the plan's version (its ETag)", code="if_match_required")
    value = header.strip().removeprefix("W/").strip('"')
    if not re.fullmatch(r"[0-9]{1,9}", value):
        raise PreconditionFailed("If-Match is not a version of this plan", code="stale_version")
    return int(value)


Need = Callable[[Viewer], bool]
CAN_EDIT: Need = lambda viewer: viewer.can_edit  # noqa: E731
CAN_MANAGE: Need = lambda viewer: viewer.can_manage  # noqa: E731
IS_FAMILY: Need = lambda viewer: viewer.member is not None  # noqa: E731
FAMILY_DECIDES: Need = lambda viewer: viewer.member is not None and viewer.can_manage  # noqa: E731
DESTRUCTION_MONTHS = 3  # Jeugdwet 7.3.9: destroyed within three months of the request


def change(
    principal: Principal,
    plan_id: str,
    if_match: str | None,
    need: Need,
    mutate: Callable[[Plan, Viewer, datetime], Outcome],
    *,
    closed_too: bool = False,
) -> tuple[PlanView, int]:
    """Load, check who may and which version, mutate a copy, and write it all in one transaction."""
    expected = parse_if_match(if_match)
    plan, viewer = _visible(principal, plan_id)
    if not need(viewer):
        audit.write(_record(principal, plan_id, "plan.change", AuditAction.UPDATE, outcome=AuditOutcome.DENIED))
        raise Forbidden("you may not make this change to the plan", code="not_allowed")
    if plan.closed_at is not None and not closed_too:
        raise Conflict("the plan is closed", code="plan_closed")
    if plan.destruction_requested_at is not None:
        raise Conflict("the family asked for the plan to be destroyed", code="destruction_requested")
    if expected != plan.version:
        raise PreconditionFailed(
            "the plan changed since you read it", code="stale_version", details={"current_version": plan.version}
        )
    now = clock.now()
    updated = plan.model_copy(deep=True)
    outcome = mutate(updated, viewer, now)
    updated.version = plan.version + 1
    updated.revision = plan.revision + 1
    updated.updated_at = now
    # One family, one plan also for a child added later: its family key is claimed with the change.
    new_children = sorted(_child_subjects(updated) - _child_subjects(plan))
    for subject in new_children:
        existing = repo.family_plan(subject)
        if existing:
            raise _exists(existing)
    if len(updated.model_dump_json()) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge("the plan has grown too large; remove or shorten items first", code="plan_too_large")
    uow = repo.unit_of_work()
    repo.save(uow, updated, previous=plan, by=principal.user_id, change=outcome.change, items=outcome.items,
              at=now.isoformat())  # fmt: skip
    for subject in new_children:
        repo.claim_family(uow, subject, plan_id)
    for event in outcome.events:
        uow.publish(event)
    uow.audit(_record(principal, plan_id, f"plan.{outcome.change}", AuditAction.UPDATE, objects=tuple(outcome.items)))
    try:
        uow.commit()
    except TransactionConflict:
        current = repo.get_plan(plan_id)
        raise PreconditionFailed(
            "the plan changed while you saved",
            code="stale_version",
            details={"current_version": current.version if current else None},
        ) from None
    after = viewer_of(updated, principal, today())
    return plan_view(updated, after, today()) if after.level is not Level.NONE else plan_view(
        updated, viewer, today()
    ), updated.version


def _child_subjects(plan: Plan) -> set[str]:
    return {m.subject for m in plan.members if m.kind == "child" and m.subject}


def _check_hidden(plan: Plan, hidden: list[str] | None) -> None:
    unknown = sorted(set(hidden or []) - {m.id for m in plan.members})
    if unknown:
        raise Unprocessable(
            "hidden_from names someone who is not a family member of this plan",
            details={"errors": [{"field": "hidden_from", "message": f"unknown member {unknown}"}]},
        )


def _owner_user(plan: Plan, owner: str) -> str | None:
    member = plan.member(owner)
    network = plan.network_member(owner)
    if member is None and network is None:
        raise Unprocessable(
            "owner is not a family member or network member of this plan",
            details={"errors": [{"field": "owner", "message": "not in this plan"}]},
        )
    return (member.user_id if member else None) or (network.user_id if network else None)


def add_goal(request: NewGoal) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        _check_hidden(plan, request.hidden_from)
        goal = Goal(id=new_id("gol"), **request.model_dump())
        plan.goals.append(goal)
        return Outcome("goal.add", [f"goal:{goal.id}"])

    return mutate


def update_goal(goal_id: str, request: GoalUpdate) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        goal = next((g for g in plan.goals if g.id == goal_id and not hidden_from(g.hidden_from, viewer)), None)
        if goal is None:
            raise NotFound("no such goal in this plan", code="goal_not_found")
        _check_hidden(plan, request.hidden_from)
        for name, value in request.model_dump(exclude_unset=True, exclude_none=True).items():
            setattr(goal, name, value)
        return Outcome("goal.update", [f"goal:{goal.id}"])

    return mutate


def add_action(request: NewAction) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        _check_hidden(plan, request.hidden_from)
        if request.owner in request.hidden_from:
            raise Unprocessable("an action cannot be hidden from its owner", details={"errors": [{"field": "owner"}]})
        owner_user = _owner_user(plan, request.owner)
        if request.goal_id and not any(g.id == request.goal_id for g in plan.goals):
            raise Unprocessable("goal_id is not a goal of this plan", details={"errors": [{"field": "goal_id"}]})
        action = Action(id=new_id("act"), **request.model_dump())
        plan.actions.append(action)
        events: list[EventData] = []
        if owner_user:
            events.append(
                PlanActionAssigned(
                    plan_id=plan.id, action_id=action.id, due_date=action.due_date, recipients=[owner_user]
                )
            )
        return Outcome("action.add", [f"action:{action.id}"], events)

    return mutate


def update_action(action_id: str, request: ActionUpdate) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        action = next((a for a in plan.actions if a.id == action_id and not hidden_from(a.hidden_from, viewer)), None)
        if action is None:
            raise NotFound("no such action in this plan", code="action_not_found")
        _check_hidden(plan, request.hidden_from)
        changes = request.model_dump(exclude_unset=True, exclude_none=True)
        events: list[EventData] = []
        if "owner" in changes and changes["owner"] != action.owner:
            owner_user = _owner_user(plan, changes["owner"])
            if owner_user:
                due = changes.get("due_date", action.due_date)
                events.append(
                    PlanActionAssigned(plan_id=plan.id, action_id=action.id, due_date=due, recipients=[owner_user])
                )
        for name, value in changes.items():
            setattr(action, name, value)
        if "due_date" in changes:
            action.overdue_notified = False
        return Outcome("action.update", [f"action:{action.id}"], events)

    return mutate


def set_domain(domain: str, request: DomainUpdate) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        _check_hidden(plan, request.hidden_from)
        existing = plan.domains.get(domain)  # type: ignore[call-overload]
        if existing is not None and hidden_from(existing.hidden_from, viewer):
            raise NotFound("no such domain entry in this plan", code="domain_not_found")
        plan.domains[domain] = DomainEntry(**request.model_dump())  # type: ignore[index]
        return Outcome("domain.set", [f"domain:{domain}"])

    return mutate


def add_agreement(request: NewAgreement) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        _check_hidden(plan, request.hidden_from)
        agreement = Agreement(id=new_id("agr"), **request.model_dump())
        plan.agreements.append(agreement)
        return Outcome("agreement.add", [f"agreement:{agreement.id}"])

    return mutate


def set_safety(request: SafetyUpdate) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        _check_hidden(plan, request.hidden_from)
        if plan.safety is not None and hidden_from(plan.safety.hidden_from, viewer):
            raise NotFound("no safety section in this plan", code="safety_not_found")
        plan.safety = Safety(text=request.text, hidden_from=request.hidden_from) if request.text else None
        return Outcome("safety.set", ["safety"])

    return mutate


def set_evaluation(request: EvaluationUpdate) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        if request.evaluation_date is not None and request.evaluation_date <= today():
            raise Unprocessable(
                "the evaluation date must lie ahead",
                details={"errors": [{"field": "evaluation_date", "message": "not in the future"}]},
            )
        plan.evaluation_date = request.evaluation_date
        plan.evaluation_notified = False
        return Outcome("evaluation.set", ["evaluation"])

    return mutate


def add_member(request: NewMember) -> Callable[[Plan, Viewer, datetime], Outcome]:
    """Resolves the account (by e-mail, in the directory) and the BSN pseudonym before the change is built."""
    user_id = request.user_id
    if user_id is None and request.email is not None:
        found = find_user("email", request.email)
        if found is None or not found.get("sub"):
            raise Unprocessable(
                "no account with that e-mail address", details={"errors": [{"field": "email", "message": "unknown"}]}
            )
        user_id = found["sub"]
    subject = pseudonymize(request.bsn, purpose="bsn") if request.bsn else None
    if request.kind == "child" and request.birth_date is None:
        raise Unprocessable("a child needs a birth date", details={"errors": [{"field": "birth_date"}]})

    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        professionals = {n.user_id for n in plan.network if n.kind == "professional"} | {plan.coordinator.user_id}
        if user_id and user_id in professionals:
            raise Unprocessable(
                "a professional of this plan cannot be one of its family members",
                details={"errors": [{"field": "user_id", "message": "is a professional of this plan"}]},
            )
        if user_id and any(m.user_id == user_id for m in plan.members):
            raise Conflict("this person is a member of the plan already", code="already_member")
        if subject and any(m.subject == subject for m in plan.members):
            raise Conflict("this person is a member of the plan already", code="already_member")
        added = Member(
            id=new_id("mem"), kind=request.kind, display_name=request.display_name, birth_date=request.birth_date,
            authority=request.authority if request.kind == "parent" else False, subject=subject, user_id=user_id,
        )  # fmt: skip
        plan.members.append(added)
        return Outcome("member.add", [f"member:{added.id}"])

    return mutate


def update_member(member_id: str, request: MemberUpdate) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        found = plan.member(member_id)
        if found is None:
            raise NotFound("no such member in this plan", code="member_not_found")
        legal = {"birth_date", "authority"} & set(request.model_dump(exclude_unset=True, exclude_none=True))
        if legal and viewer.relation != "coordinator":
            # Age and parental authority decide consent: only the coordinator corrects them (and it is audited).
            raise Forbidden("only the coordinator corrects a birth date or parental authority", code="not_allowed")
        for name, value in request.model_dump(exclude_unset=True, exclude_none=True).items():
            setattr(found, name, value)
        return Outcome("member.update", [f"member:{found.id}"])

    return mutate


def add_evaluation(request: NewEvaluation) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        if request.held_on > today():
            raise Unprocessable("an evaluation is recorded once held", details={"errors": [{"field": "held_on"}]})
        evaluation = Evaluation(id=new_id("evl"), held_on=request.held_on, summary=request.summary)
        if request.finalise:
            evaluation.finalised_at, evaluation.finalised_by = now, viewer_user(viewer)
        plan.evaluations.append(evaluation)
        return Outcome("evaluation.add", [f"evaluation:{evaluation.id}"])

    return mutate


def change_evaluation(evaluation_id: str, request: EvaluationChange) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        evaluation = next((e for e in plan.evaluations if e.id == evaluation_id), None)
        if evaluation is None:
            raise NotFound("no such evaluation in this plan", code="evaluation_not_found")
        if evaluation.finalised_at is not None:
            raise Conflict("a finalised evaluation cannot be changed", code="evaluation_finalised")
        if request.summary is not None:
            evaluation.summary = request.summary
        if request.finalise:
            evaluation.finalised_at, evaluation.finalised_by = now, viewer_user(viewer)
        return Outcome("evaluation.update", [f"evaluation:{evaluation.id}"])

    return mutate


def add_network_member(request: NewNetworkMember) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        if request.user_id and any(n.user_id == request.user_id for n in plan.network if active(n, today())):
            raise Conflict("this person is in the network already", code="already_in_network")
        if request.kind == "professional" and not request.organization:
            raise Unprocessable("a professional needs an organization", details={"errors": [{"field": "organization"}]})
        added = NetworkMember(id=new_id("net"), added_at=now, **request.model_dump())
        if added.kind != "professional" and viewer.member is not None:
            added.approved_by = viewer.member.id  # the family brought them in: they see the content
        plan.network.append(added)
        recipients = sorted({u for u in (added.user_id, plan.coordinator.user_id) if u})
        event = PlanNetworkMemberAdded(
            plan_id=plan.id, network_member_id=added.id, kind=added.kind, recipients=recipients
        )
        return Outcome("network.add", [f"network:{added.id}"], [event])

    return mutate


def update_network_member(network_id: str, request: NetworkUpdate) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        found = plan.network_member(network_id)
        if found is None:
            raise NotFound("no such network member in this plan", code="network_member_not_found")
        changes = request.model_dump(exclude_unset=True, exclude_none=True)
        if changes.get("end_date") is not None and found.user_id == plan.coordinator.user_id:
            raise Conflict("hand coordination over before ending the coordinator's access", code="is_coordinator")
        for name, value in changes.items():
            setattr(found, name, value)
        return Outcome("network.update", [f"network:{found.id}"])

    return mutate


def request_destruction(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
    plan.destruction_requested_at = now
    return Outcome("destruction.request", [f"plan:{plan.id}"])


def destroyed_by(requested: datetime) -> date:
    day = requested.astimezone(ZoneInfo("Europe/Amsterdam")).date()
    month = day.month - 1 + DESTRUCTION_MONTHS
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def access_log(principal: Principal, plan_id: str) -> list[AuditRecord]:
    """Who read or changed the plan, for its family; this read is audited too (and so shows next time)."""
    _plan, viewer = _visible(principal, plan_id)
    if viewer.member is None:
        raise Forbidden("the access log is for the family", code="family_only")
    records = audit.records_about(f"plan:{plan_id}")
    audit.write(_record(principal, plan_id, "plan.access_log", AuditAction.READ))
    return records


def _professionals_of(plan: Plan, organization: str) -> list[str]:
    return sorted({n.user_id for n in plan.network if n.organization == organization and n.user_id})


def give_consent(request: ConsentRequest) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        giver = viewer.member
        assert giver is not None  # IS_FAMILY
        if not consent.may_give(plan, giver, today()):
            raise Forbidden(
                "your consent does not count for the children of this plan (age rules)", code="consent_not_yours"
            )
        record = Consent(
            id=new_id("con"), organization=request.organization, given_by=giver.id, given_at=now, until=request.until
        )
        plan.consents.append(record)
        if consent.holds(plan, request.organization, today()):
            plan.draft = False  # the family has consented to someone: the plan is theirs, no longer a draft
        recipients = sorted(set(_professionals_of(plan, request.organization)) | {plan.coordinator.user_id})
        event = PlanConsentGiven(
            plan_id=plan.id, consent_id=record.id, organization=record.organization, until=record.until,
            recipients=recipients,
        )  # fmt: skip
        return Outcome("consent.give", [f"consent:{record.id}"], [event])

    return mutate


def revoke_consent(consent_id: str) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        record = next((c for c in plan.consents if c.id == consent_id), None)
        if record is None:
            raise NotFound("no such consent in this plan", code="consent_not_found")
        member = viewer.member
        assert member is not None
        giver = plan.member(record.given_by)
        by_parent = giver is not None and giver.kind == "parent"
        if record.given_by != member.id and not (member.kind == "parent" and member.authority and by_parent):
            raise Forbidden(
                "only who gave this consent can revoke it (or a parent with authority, a parent's)", code="not_allowed"
            )
        if record.revoked_at is None:
            record.revoked_at = now
            record.revoked_by = member.id
        recipients = sorted(set(_professionals_of(plan, record.organization)) | {plan.coordinator.user_id})
        event = PlanConsentRevoked(
            plan_id=plan.id, consent_id=record.id, organization=record.organization, recipients=recipients
        )
        return Outcome("consent.revoke", [f"consent:{record.id}"], [event])

    return mutate


def hand_over(request: CoordinatorHandover) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        member = plan.member(request.ref)
        network = plan.network_member(request.ref)
        if member is not None and member.kind == "parent" and member.user_id:
            kind, user = "parent", member.user_id
        elif network is not None and network.user_id and network.kind in ("professional", "relative"):
            if network.end_date is not None:
                raise Unprocessable(
                    "someone whose access ends cannot coordinate", details={"errors": [{"field": "ref"}]}
                )
            if (
                network.kind == "professional"
                and not plan.draft
                and not consent.holds(plan, network.organization or "", today())
            ):
                raise Forbidden(
                    "the family has not consented to this professional's organisation", code="consent_required"
                )
            kind, user = network.kind, network.user_id
        else:
            raise Unprocessable(
                "the coordinator must be a parent, a relative or a professional of this plan with an account",
                details={"errors": [{"field": "ref", "message": "cannot coordinate"}]},
            )
        previous = plan.coordinator
        plan.coordinator = Coordinator(kind=kind, user_id=user, ref=request.ref, since=now)  # type: ignore[arg-type]
        event = PlanCoordinatorChanged(
            plan_id=plan.id, match_id=plan.match_id, coordinator_id=user, coordinator_kind=kind,  # type: ignore[arg-type]
            previous_coordinator_id=previous.user_id,
            recipients=sorted(repo.participants(plan) - {viewer_user(viewer)}),
        )  # fmt: skip
        return Outcome("coordinator.change", [f"coordinator:{request.ref}"], [event])

    return mutate


def viewer_user(viewer: Viewer) -> str | None:
    if viewer.member is not None:
        return viewer.member.user_id
    return viewer.network.user_id if viewer.network else None


def change_phase(request: PhaseChange) -> Callable[[Plan, Viewer, datetime], Outcome]:
    def mutate(plan: Plan, viewer: Viewer, now: datetime) -> Outcome:
        before = plan.phase
        allowed = PHASE_ORDER[request.phase] == PHASE_ORDER[before] + 1 or (before, request.phase) == (
            "evaluation",
            "active",
        )
        if not allowed:
            raise Conflict(f"a plan in {before} cannot move to {request.phase}", code="phase_not_allowed")
        plan.phase = request.phase
        recipients = sorted(repo.participants(plan))
        events: list[EventData] = [
            PlanPhaseChanged(plan_id=plan.id, phase=request.phase, previous_phase=before, recipients=recipients)
        ]
        if request.phase == "closed":
            plan.closed_at = now
            ended = today()
            plan.retention_until = _plus_years(ended, RETENTION_YEARS)
            events.append(PlanClosed(plan_id=plan.id, retention_until=plan.retention_until, recipients=recipients))
        return Outcome("phase.change", [f"phase:{request.phase}"], events)

    return mutate


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


def _exists(plan_id: str) -> Conflict:
    return Conflict("this family already has a plan", code="plan_exists", details={"plan_id": plan_id})


# -- starting ---------------------------------------------------------------------------------------------------
def _display_name(user_id: str) -> str:
    found = find_user("sub", user_id)
    return (found or {}).get("name") or "onbekend"


def start_plan(principal: Principal, request: NewPlan) -> tuple[PlanView, int]:
    now = clock.now()
    plan_id = new_id("pln")
    members = [
        Member(
            id=new_id("mem"), kind="child", display_name=c.display_name, birth_date=c.birth_date,
            subject=pseudonymize(c.bsn, purpose="bsn") if c.bsn else None, user_id=c.user_id,
        )
        for c in request.children
    ] + [
        Member(
            id=new_id("mem"), kind="parent", display_name=p.display_name, authority=p.authority,
            subject=pseudonymize(p.bsn, purpose="bsn") if p.bsn else None, user_id=p.user_id,
        )
        for p in request.parents
    ]  # fmt: skip
    me = NetworkMember(
        id=new_id("net"), kind="professional", display_name=principal.name or principal.username,
        user_id=principal.user_id, organization=principal.organization, role="regisseur", added_at=now,
    )  # fmt: skip
    network = [me] + [NetworkMember(id=new_id("net"), added_at=now, **n.model_dump()) for n in request.network]
    plan = Plan(
        id=plan_id,
        members=members,
        network=network,
        coordinator=Coordinator(kind="professional", user_id=principal.user_id, ref=me.id, since=now),
        evaluation_date=request.evaluation_date,
        created_at=now,
        updated_at=now,
    )
    if request.evaluation_date is not None and request.evaluation_date <= today():
        raise Unprocessable(
            "the evaluation date must lie ahead",
            details={"errors": [{"field": "evaluation_date", "message": "not in the future"}]},
        )
    subjects = sorted({m.subject for m in members if m.kind == "child" and m.subject})
    for subject in subjects:
        existing = repo.family_plan(subject)
        if existing:
            audit.write(_record(principal, existing, "plan.start", AuditAction.SEARCH, outcome=AuditOutcome.DENIED))
            raise _exists(existing)
    uow = repo.unit_of_work()
    repo.save(uow, plan, previous=None, by=principal.user_id, change="plan.start", items=[f"plan:{plan_id}"],
              at=now.isoformat())  # fmt: skip
    for subject in subjects:
        repo.claim_family(uow, subject, plan_id)
    uow.publish(
        PlanStarted(plan_id=plan_id, draft=False, coordinator_id=principal.user_id,
                    recipients=sorted(repo.participants(plan) - {principal.user_id}))
    )  # fmt: skip
    uow.audit(_record(principal, plan_id, "plan.start", AuditAction.CREATE))
    try:
        uow.commit()
    except TransactionConflict:
        for subject in subjects:
            existing = repo.family_plan(subject)
            if existing:
                raise Conflict(
                    "this family already has a plan", code="plan_exists", details={"plan_id": existing}
                ) from None
        raise
    return plan_view(plan, viewer_of(plan, principal, today()), today()), plan.version


def start_from_match(data: CoordinatorAssigned, actor: Principal) -> str:
    """A draft plan for the match's youth, with the coordinator and the matched professionals in its network;
    the family's plan if it has one already (one family, one plan). Returns the plan id."""
    existing = repo.family_plan(data.subject)
    if existing:
        return existing
    now = clock.now()
    plan_id = new_id("pln")
    child = Member(id=new_id("mem"), kind="child", display_name="Jeugdige", subject=data.subject)
    # A youth match's parties all signalled this youth; in a family or address match the others signalled
    # a sibling or a neighbour, so only the coordinator joins this child's plan.
    parties = data.party_ids if data.kind == "youth" else [data.coordinator_id]
    network = [
        NetworkMember(
            id=new_id("net"), kind="professional", display_name=_display_name(user), user_id=user,
            organization=data.party_organizations.get(user), role="betrokken professional", added_at=now,
        )
        for user in parties
    ]  # fmt: skip
    coordinator = next((n for n in network if n.user_id == data.coordinator_id), None)
    if coordinator is None:
        coordinator = NetworkMember(
            id=new_id("net"), kind="professional", display_name=_display_name(data.coordinator_id),
            user_id=data.coordinator_id, organization=data.party_organizations.get(data.coordinator_id),
            role="regisseur", added_at=now,
        )  # fmt: skip
        network.append(coordinator)
    coordinator.role = "regisseur"
    plan = Plan(
        id=plan_id,
        draft=True,
        match_id=data.match_id,
        members=[child],
        network=network,
        coordinator=Coordinator(kind="professional", user_id=data.coordinator_id, ref=coordinator.id, since=now),
        created_at=now,
        updated_at=now,
    )
    uow = repo.unit_of_work()
    repo.save(uow, plan, previous=None, by=actor.user_id, change="plan.start.match", items=[f"match:{data.match_id}"],
              at=now.isoformat())  # fmt: skip
    repo.claim_family(uow, data.subject, plan_id)
    uow.publish(
        PlanStarted(plan_id=plan_id, match_id=data.match_id, draft=True, coordinator_id=data.coordinator_id,
                    recipients=[data.coordinator_id])
    )  # fmt: skip
    uow.audit(
        _record(actor, plan_id, "plan.start.match", AuditAction.CREATE, basis="match coordination (Jeugdwet 7.1.4.4)")
    )
    try:
        uow.commit()
    except TransactionConflict:
        existing = repo.family_plan(data.subject)
        if existing:
            return existing  # started at the same moment by someone else: the family's one plan
        raise
    return plan_id
