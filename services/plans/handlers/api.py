"""The plans API function: routes under /plans. Each route parses, calls one use case, and answers with what
this caller may see (``logic/views.py``). Writes need ``If-Match: <version>``; answers carry the ``ETag``."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from services.plans.about import ABOUT
from services.plans.models.api import (
    AccessEntry,
    AccessLog,
    ActionUpdate,
    ConsentRequest,
    CoordinatorHandover,
    DestructionRequested,
    DomainUpdate,
    EvaluationChange,
    EvaluationUpdate,
    GoalUpdate,
    History,
    HistoryEntry,
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
from services.plans.models.plan import LifeDomain
from services.shared.api import create_app, current_principal, lambda_handler, requires
from services.shared.errors import NotFound
from services.shared.health import register_health
from services.shared.principal import Role

app = create_app(service=ABOUT.name, version=ABOUT.version, description=ABOUT.description)
register_health(app, ABOUT)

PLAN_ID = re.compile(r"^pln-[0-9a-f]{16}$")
ITEM_ID = re.compile(r"^[a-z]{3}-[0-9a-f]{16}$")
IfMatch = Annotated[str | None, Header(alias="If-Match", description="the plan's version you read (its ETag)")]
TAGS = ["plans"]


def _plan_id(value: str) -> str:
    if not PLAN_ID.match(value):
        raise NotFound("no such plan of yours", code="plan_not_found")
    return value


def _item_id(value: str, what: str) -> str:
    if not ITEM_ID.match(value):
        raise NotFound(f"no such {what} in this plan", code=f"{what}_not_found")
    return value


def _answer(view: PlanView, version: int, status: int = 200) -> Response[PlanView]:
    return Response(status_code=status, content_type="application/json", body=view, headers={"ETag": f'"{version}"'})


@app.post("/plans", operation_id="start_plan", tags=TAGS, middlewares=[requires(Role.PROFESSIONAL)])
def start(plan: NewPlan) -> Response[PlanView]:
    """Start a family's plan with you as coordinator; 409 with the plan's id if the family has one."""
    from services.plans.logic import plans

    view, version = plans.start_plan(current_principal(), plan)
    return _answer(view, version, 201)


@app.get("/plans", operation_id="list_plans", tags=TAGS)
def list_plans() -> PlanPage:
    """The plans you take part in (newest change first)."""
    from services.plans.logic import plans

    return plans.list_plans(current_principal())


@app.get("/plans/mine", operation_id="my_plans", tags=TAGS)
def my_plans() -> PlanPage:
    """For the family: the plans you are a family member of."""
    from services.plans.logic import plans

    return plans.list_plans(current_principal(), family_only=True)


@app.get("/plans/<plan_id>/history", operation_id="plan_history", tags=TAGS)
def history(plan_id: str) -> History:
    """Every change to the plan: who, when, which part and items."""
    from services.plans.logic import plans

    entries = plans.plan_history(current_principal(), _plan_id(plan_id))
    return History(items=[HistoryEntry.model_validate(e) for e in entries])


@app.post("/plans/<plan_id>/goals", operation_id="add_goal", tags=TAGS)
def add_goal(plan_id: str, goal: NewGoal, if_match: IfMatch = None) -> Response[PlanView]:
    from services.plans.logic import plans

    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, plans.add_goal(goal))
    return _answer(view, version)


@app.patch("/plans/<plan_id>/goals/<goal_id>", operation_id="update_goal", tags=TAGS)
def update_goal(plan_id: str, goal_id: str, goal: GoalUpdate, if_match: IfMatch = None) -> Response[PlanView]:
    from services.plans.logic import plans

    mutate = plans.update_goal(_item_id(goal_id, "goal"), goal)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, mutate)
    return _answer(view, version)


@app.post("/plans/<plan_id>/actions", operation_id="add_action", tags=TAGS)
def add_action(plan_id: str, action: NewAction, if_match: IfMatch = None) -> Response[PlanView]:
    from services.plans.logic import plans

    mutate = plans.add_action(action)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, mutate)
    return _answer(view, version)


@app.patch("/plans/<plan_id>/actions/<action_id>", operation_id="update_action", tags=TAGS)
def update_action(plan_id: str, action_id: str, action: ActionUpdate, if_match: IfMatch = None) -> Response[PlanView]:
    from services.plans.logic import plans

    mutate = plans.update_action(_item_id(action_id, "action"), action)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, mutate)
    return _answer(view, version)


@app.post("/plans/<plan_id>/consents", operation_id="give_consent", tags=TAGS)
def give_consent(plan_id: str, request: ConsentRequest, if_match: IfMatch = None) -> Response[PlanView]:
    """The family consents to an organisation's professionals reading the plan (age rules apply)."""
    from services.plans.logic import plans

    mutate = plans.give_consent(request)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.IS_FAMILY, mutate)
    return _answer(view, version)


@app.post("/plans/<plan_id>/consents/<consent_id>/revoke", operation_id="revoke_consent", tags=TAGS)
def revoke_consent(plan_id: str, consent_id: str, if_match: IfMatch = None) -> Response[PlanView]:
    from services.plans.logic import plans

    mutate = plans.revoke_consent(_item_id(consent_id, "consent"))
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.IS_FAMILY, mutate)
    return _answer(view, version)


@app.post("/plans/<plan_id>/coordinator", operation_id="hand_over_coordination", tags=TAGS)
def hand_over(plan_id: str, request: CoordinatorHandover, if_match: IfMatch = None) -> Response[PlanView]:
    """Hand coordination to a parent, a relative or a professional of the plan (publishes PlanCoordinatorChanged)."""
    from services.plans.logic import plans

    mutate = plans.hand_over(request)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_MANAGE, mutate)
    return _answer(view, version)


@app.post("/plans/<plan_id>/phase", operation_id="change_phase", tags=TAGS)
def change_phase(plan_id: str, request: PhaseChange, if_match: IfMatch = None) -> Response[PlanView]:
    """intake -> active -> evaluation -> closed (or evaluation -> active for a new cycle)."""
    from services.plans.logic import plans

    mutate = plans.change_phase(request)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_MANAGE, mutate)
    return _answer(view, version)


@app.put("/plans/<plan_id>/domains/<domain>", operation_id="set_domain", tags=TAGS)
def set_domain(plan_id: str, domain: LifeDomain, entry: DomainUpdate, if_match: IfMatch = None) -> Response[PlanView]:
    """The strengths and concerns of one life domain."""
    from services.plans.logic import plans

    mutate = plans.set_domain(domain, entry)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, mutate)
    return _answer(view, version)


@app.post("/plans/<plan_id>/agreements", operation_id="add_agreement", tags=TAGS)
def add_agreement(plan_id: str, agreement: NewAgreement, if_match: IfMatch = None) -> Response[PlanView]:
    from services.plans.logic import plans

    mutate = plans.add_agreement(agreement)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, mutate)
    return _answer(view, version)


@app.put("/plans/<plan_id>/safety", operation_id="set_safety", tags=TAGS)
def set_safety(plan_id: str, safety: SafetyUpdate, if_match: IfMatch = None) -> Response[PlanView]:
    """The safety section (``text: null`` removes it)."""
    from services.plans.logic import plans

    mutate = plans.set_safety(safety)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, mutate)
    return _answer(view, version)


@app.put("/plans/<plan_id>/evaluation", operation_id="set_evaluation", tags=TAGS)
def set_evaluation(plan_id: str, evaluation: EvaluationUpdate, if_match: IfMatch = None) -> Response[PlanView]:
    """The next evaluation date (a reminder goes out two weeks before)."""
    from services.plans.logic import plans

    mutate = plans.set_evaluation(evaluation)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, mutate)
    return _answer(view, version)


@app.post("/plans/<plan_id>/evaluations", operation_id="add_evaluation", tags=TAGS)
def add_evaluation(plan_id: str, evaluation: NewEvaluation, if_match: IfMatch = None) -> Response[PlanView]:
    """Record an evaluation that was held (``finalise``: it can no longer change)."""
    from services.plans.logic import plans

    mutate = plans.add_evaluation(evaluation)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, mutate)
    return _answer(view, version)


@app.patch("/plans/<plan_id>/evaluations/<evaluation_id>", operation_id="change_evaluation", tags=TAGS)
def change_evaluation(
    plan_id: str, evaluation_id: str, change: EvaluationChange, if_match: IfMatch = None
) -> Response[PlanView]:
    """Change or finalise an evaluation; a finalised one gets 409."""
    from services.plans.logic import plans

    mutate = plans.change_evaluation(_item_id(evaluation_id, "evaluation"), change)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_EDIT, mutate)
    return _answer(view, version)


@app.post("/plans/<plan_id>/members", operation_id="add_member", tags=TAGS)
def add_member(plan_id: str, member: NewMember, if_match: IfMatch = None) -> Response[PlanView]:
    """Add a child or a parent/carer to the family (link their account by user id or e-mail)."""
    from services.plans.logic import plans

    mutate = plans.add_member(member)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_MANAGE, mutate)
    return _answer(view, version)


@app.patch("/plans/<plan_id>/members/<member_id>", operation_id="update_member", tags=TAGS)
def update_member(plan_id: str, member_id: str, update: MemberUpdate, if_match: IfMatch = None) -> Response[PlanView]:
    """Correct a family member's name, birth date or parental authority."""
    from services.plans.logic import plans

    mutate = plans.update_member(_item_id(member_id, "member"), update)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_MANAGE, mutate)
    return _answer(view, version)


@app.post("/plans/<plan_id>/network", operation_id="add_network_member", tags=TAGS)
def add_network_member(plan_id: str, member: NewNetworkMember, if_match: IfMatch = None) -> Response[PlanView]:
    """Add a relative, a friend or a professional to the network (optionally until an end date)."""
    from services.plans.logic import plans

    mutate = plans.add_network_member(member)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_MANAGE, mutate)
    return _answer(view, version)


@app.patch("/plans/<plan_id>/network/<network_id>", operation_id="update_network_member", tags=TAGS)
def update_network_member(
    plan_id: str, network_id: str, update: NetworkUpdate, if_match: IfMatch = None
) -> Response[PlanView]:
    """Change a network member's role or end date (access ends by itself after it)."""
    from services.plans.logic import plans

    mutate = plans.update_network_member(_item_id(network_id, "network_member"), update)
    view, version = plans.change(current_principal(), _plan_id(plan_id), if_match, plans.CAN_MANAGE, mutate)
    return _answer(view, version)


@app.get("/plans/<plan_id>/access-log", operation_id="plan_access_log", tags=TAGS)
def access_log(plan_id: str) -> AccessLog:
    """For the family: who read or changed the plan, and when (this read is logged too)."""
    from services.plans.logic import plans

    records = plans.access_log(current_principal(), _plan_id(plan_id))
    return AccessLog(
        items=[
            AccessEntry(
                at=r.occurred_at, user_id=r.user_id, organization=r.organization, roles=sorted(r.roles),
                what=r.event, action=r.action.value, outcome=r.outcome.value,
            )
            for r in records
        ]
    )  # fmt: skip


@app.post("/plans/<plan_id>/destruction-request", operation_id="request_destruction", tags=TAGS)
def request_destruction(plan_id: str, if_match: IfMatch = None) -> Response[DestructionRequested]:
    """For the family (a parent with authority, or the youth from 16): destroy the plan within three months."""
    from services.plans.logic import plans

    plan_id = _plan_id(plan_id)
    _view, version = plans.change(
        current_principal(), plan_id, if_match, plans.FAMILY_DECIDES, plans.request_destruction, closed_too=True
    )
    now = plans.clock.now()
    body = DestructionRequested(id=plan_id, requested_at=now, destroyed_by=plans.destroyed_by(now))
    return Response(status_code=202, content_type="application/json", body=body, headers={"ETag": f'"{version}"'})


@app.get("/plans/<plan_id>/fhir", operation_id="export_plan_fhir", tags=TAGS)
def export_fhir(plan_id: str) -> Response[Any]:
    """The plan as you may see it, as a FHIR R4 Bundle (CarePlan, CareTeam, Goal, Task, Consent)."""
    from services.plans.logic import fhir, plans

    plan, viewer = plans.visible_for_export(current_principal(), _plan_id(plan_id))
    bundle = json.dumps(fhir.bundle(plan, viewer, plans.today()), separators=(",", ":"))
    return Response(status_code=200, content_type="application/fhir+json", body=bundle)


@app.get("/plans/<plan_id>", operation_id="get_plan", tags=TAGS)
def get_plan(plan_id: str) -> Response[PlanView]:
    """The plan as far as you may see it."""
    from services.plans.logic import plans

    view = plans.read_plan(current_principal(), _plan_id(plan_id))
    return _answer(view, view.version)


handler = lambda_handler(app, component="plans-api")
