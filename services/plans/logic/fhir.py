"""A family plan as an HL7 FHIR R4 ``Bundle`` of type ``collection``, cut to what one caller may see.

The export is built from ``views.plan_view``, the one place where a plan is cut to its caller, so it shows no
more than the plans API does (save the plan's start and closing dates, to callers who see the content): items
hidden from the caller are left out, and a caller who may only know that the plan exists (``Level.SUMMARY``)
gets the CarePlan and the CareTeam and nothing else. The BSN and its
pseudonym are not in the view, so they are not in the export either. The resources are plain dicts: the
Lambda needs no FHIR library (the tests validate every bundle against the R4B models of ``fhir.resources``).

The mapping:

- **CarePlan** (one): ``status`` from the phase - intake -> draft, active -> active, evaluation -> active (the
  plan stays in force while it is evaluated; ``on-hold`` would tell a receiver to stop acting on it), closed ->
  completed; a draft plan (started from a match, nobody consented yet) is ``draft`` whatever its phase.
  ``intent`` plan; ``subject`` the child (a ``Patient``) or, with more children, a ``Group`` of them (the
  subject holds one reference); ``author`` the coordinator; ``period`` from creation to closing; ``careTeam``,
  ``goal`` and ``activity.reference`` (the Tasks) point into the bundle; each agreement is a ``note``.
- **Patient** per child: only ``name.text`` (the display name) and ``birthDate``.
- **CareTeam** (one): a participant per network member whose end date has not passed, with the role as text,
  the organisation as ``onBehalfOf`` and the end date as ``period.end``; the coordinator carries the role
  ``coordinator`` (a local code) too, and is added as a participant when not in the network (a parent).
- **Goal** per goal: ``lifecycleStatus`` is the stored status (already FHIR's), ``category`` the life domain,
  ``description.text``, ``target.dueDate``.
- **Task** per action: open -> requested, in_progress -> in-progress, done -> completed, cancelled ->
  cancelled; ``intent`` plan; the due date is ``restriction.period.end`` (by when it is wanted, not when it was
  done); ``owner`` the responsible person; ``reasonReference`` the goal it serves, ``basedOn`` the CarePlan.
- **Consent** per consent record and child it speaks for (FHIR's Consent has one patient): a parent's record
  for each child, a child's for themselves. ``active`` while the record is in force and the giver decides for
  that child (a parent with authority for a child under 16, a child of 12 or older for themselves), else
  ``inactive`` (revoked, expired, or not theirs to give). The organisation is the ``provision.actor``
  (information recipient), ``until`` the ``provision.period.end``.

People who are no resource of the bundle (professionals, relatives, parents) are referenced by ``display``,
``type`` and their id in the plan as ``identifier``. Local code systems live under ``urn:jeugdketen:`` until the
region publishes canonical URLs. Resource ids are UUIDv5 of the plan and item ids, so exporting twice gives the
same ``urn:uuid:`` full URLs. Not exported (no plain R4 home without Condition/Observation resources): the life
domains' strengths and concerns, the safety section and the evaluation date.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from services.plans.logic import consent
from services.plans.logic.access import Viewer
from services.plans.logic.views import plan_view
from services.plans.models.api import ActionView, ConsentView, GoalView, MemberView, NetworkView, PlanView
from services.plans.models.plan import ActionStatus, LifeDomain, Phase, Plan

Json = dict[str, Any]

PLAN_SYSTEM = "urn:jeugdketen:plan"
PARTY_SYSTEM = "urn:jeugdketen:plan-party"  # a family or network member, by their id in the plan
ORGANISATION_SYSTEM = "urn:jeugdketen:organisation"
ROLE_SYSTEM = "urn:jeugdketen:plan-role"
LIFE_DOMAIN_SYSTEM = "urn:jeugdketen:life-domain"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PLAN_SYSTEM)

CARE_PLAN_STATUS: dict[Phase, str] = {
    "intake": "draft",
    "active": "active",
    "evaluation": "active",
    "closed": "completed",
}
TASK_STATUS: dict[ActionStatus, str] = {
    "open": "requested",
    "in_progress": "in-progress",
    "done": "completed",
    "cancelled": "cancelled",
}
LIFE_DOMAIN_LABEL: dict[LifeDomain, str] = {
    "material_circumstances": "Materiële omstandigheden",
    "health": "Gezondheid",
    "upbringing_and_family": "Opvoeding en gezin",
    "school_and_work": "School en werk",
    "social_environment": "Sociale omgeving",
}
COORDINATOR_ROLE: Json = {
    "coding": [{"system": ROLE_SYSTEM, "code": "coordinator", "display": "regisseur"}],
    "text": "regisseur",
}
CONSENT_SCOPE: Json = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
}
CONSENT_CATEGORY: Json = {
    "coding": [{"system": "http://loinc.org", "code": "59284-0"}],
    "text": "toestemming om het gezinsplan te delen",
}
CONSENT_POLICY: Json = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]}
INFORMATION_RECIPIENT: Json = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}]
}
ACCESS: Json = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access"}]}
# Who a person is as a FHIR resource type, when they are referenced without a resource in the bundle.
_RESOURCE_TYPE = {"professional": "Practitioner", "relative": "RelatedPerson", "friend": "RelatedPerson"}


def bundle(plan: Plan, viewer: Viewer, today: date) -> dict[str, Any]:
    """The plan as this viewer may see it, as a FHIR R4 collection Bundle, JSON-ready (dates as ISO strings)."""
    return _Export(plan, plan_view(plan, viewer, today), today).bundle()


@dataclass(frozen=True)
class _Export:
    plan: Plan
    view: PlanView
    today: date

    # -- ids and references --------------------------------------------------------------------------------
    def id(self, item: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.plan.id}/{item}"))

    def url(self, item: str) -> str:
        return f"urn:uuid:{self.id(item)}"

    @property
    def content(self) -> bool:
        return self.view.access == "content"

    @property
    def children(self) -> list[MemberView]:
        return [m for m in self.view.members or [] if m.kind == "child"]

    def subject(self) -> Json:
        children = self.children
        if not children:  # a summary does not say who the children are
            return {"display": "de kinderen van het gezin"}
        if len(children) == 1:
            return self.party(children[0].id)
        return {"reference": self.url("children"), "type": "Group", "display": "de kinderen van het gezin"}

    def party(self, ref: str) -> Json:
        """A family or network member: the child's Patient, else who they are by name, type and plan id."""
        member = next((m for m in self.view.members or [] if m.id == ref), None)
        if member is not None and member.kind == "child":
            return {"reference": self.url(member.id), "type": "Patient", "display": member.display_name}
        network = next((n for n in self.view.network if n.id == ref), None)
        coordinator = self.view.coordinator
        reference: Json = {"identifier": {"system": PARTY_SYSTEM, "value": ref}}
        if network is not None:
            reference |= {"type": _RESOURCE_TYPE[network.kind], "display": network.display_name}
        elif member is not None:
            reference |= {"type": "RelatedPerson", "display": member.display_name}
        elif coordinator.ref == ref:
            kind = "relative" if coordinator.kind == "parent" else coordinator.kind
            reference |= {"type": _RESOURCE_TYPE[kind], "display": coordinator.display_name}
        return reference  # else someone who left the network: their id only

    @staticmethod
    def organisation(organization: str) -> Json:
        return {
            "type": "Organization",
            "identifier": {"system": ORGANISATION_SYSTEM, "value": organization},
            "display": organization,
        }

    def entry(self, item: str, resource: Json) -> Json:
        return {
            "fullUrl": self.url(item),
            "resource": {"resourceType": resource["resourceType"], "id": self.id(item)} | resource,
        }

    # -- resources -----------------------------------------------------------------------------------------
    def bundle(self) -> Json:
        entries = [self.entry("care-plan", self.care_plan()), self.entry("care-team", self.care_team())]
        if self.content:
            if len(self.children) > 1:
                entries.append(self.entry("children", self.group()))
            entries += [self.entry(child.id, self.patient(child)) for child in self.children]
            entries += [self.entry(goal.id, self.goal(goal)) for goal in self.view.goals or []]
            entries += [self.entry(action.id, self.task(action)) for action in self.view.actions or []]
            entries += [
                self.entry(f"{record.id}/{child.id}", self.consent(record, child))
                for record in self.view.consents or []
                for child in self.children
                if record.given_by == child.id or self.is_parent(record.given_by)
            ]
        return {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": _instant(self.view.updated_at),
            "entry": entries,
        }

    def care_plan(self) -> Json:
        view = self.view
        resource: Json = {
            "resourceType": "CarePlan",
            "meta": {"versionId": str(view.version), "lastUpdated": _instant(view.updated_at)},
            "identifier": [{"system": PLAN_SYSTEM, "value": view.id}],
            "status": "draft" if view.draft else CARE_PLAN_STATUS[view.phase],
            "intent": "plan",
            "title": "Gezinsplan",
            "subject": self.subject(),
            "author": self.party(view.coordinator.ref),
            "careTeam": [{"reference": self.url("care-team")}],
        }
        if not self.content:
            return resource
        period = {"start": self.plan.created_at.date().isoformat()}
        if self.plan.closed_at is not None:
            period["end"] = self.plan.closed_at.date().isoformat()
        resource["period"] = period
        optional = {
            "goal": [{"reference": self.url(goal.id)} for goal in view.goals or []],
            "activity": [{"reference": {"reference": self.url(a.id), "type": "Task"}} for a in view.actions or []],
            "note": [{"text": agreement.text} for agreement in view.agreements or []],
        }
        return resource | {field: value for field, value in optional.items() if value}  # FHIR has no empty lists

    def care_team(self) -> Json:
        coordinator = self.view.coordinator
        participants = [self.participant(member, member.id == coordinator.ref) for member in self.view.network]
        if not any(member.id == coordinator.ref for member in self.view.network):  # a parent, or left the network
            participants.append({"role": [COORDINATOR_ROLE], "member": self.party(coordinator.ref)})
        resource: Json = {
            "resourceType": "CareTeam",
            "status": "inactive" if self.view.phase == "closed" else "active",
            "name": "Netwerk rond het gezin",
            "participant": participants,
        }
        if self.content:
            resource["subject"] = self.subject()
        return resource

    def participant(self, member: NetworkView, coordinates: bool) -> Json:
        participant: Json = {
            "role": [{"text": member.role}, COORDINATOR_ROLE] if coordinates else [{"text": member.role}],
            "member": self.party(member.id),
        }
        if member.organization is not None:
            participant["onBehalfOf"] = self.organisation(member.organization)
        if member.end_date is not None:
            participant["period"] = {"end": member.end_date.isoformat()}
        return participant

    def group(self) -> Json:
        return {
            "resourceType": "Group",
            "type": "person",
            "actual": True,
            "name": "De kinderen van het gezin",
            "quantity": len(self.children),
            "member": [{"entity": self.party(child.id)} for child in self.children],
        }

    @staticmethod
    def patient(child: MemberView) -> Json:
        resource: Json = {"resourceType": "Patient", "name": [{"text": child.display_name}]}
        if child.birth_date is not None:
            resource["birthDate"] = child.birth_date.isoformat()
        return resource

    def goal(self, goal: GoalView) -> Json:
        label = LIFE_DOMAIN_LABEL[goal.domain]
        resource: Json = {
            "resourceType": "Goal",
            "lifecycleStatus": goal.status,
            "category": [
                {"coding": [{"system": LIFE_DOMAIN_SYSTEM, "code": goal.domain, "display": label}], "text": label}
            ],
            "description": {"text": goal.description},
            "subject": self.subject(),
        }
        if goal.target_date is not None:
            resource["target"] = [{"dueDate": goal.target_date.isoformat()}]
        return resource

    def task(self, action: ActionView) -> Json:
        resource: Json = {
            "resourceType": "Task",
            "basedOn": [{"reference": self.url("care-plan"), "type": "CarePlan"}],
            "status": TASK_STATUS[action.status],
            "intent": "plan",
            "description": action.description,
            "for": self.subject(),
            "owner": self.party(action.owner),
        }
        if action.goal_id is not None and any(goal.id == action.goal_id for goal in self.view.goals or []):
            resource["reasonReference"] = {"reference": self.url(action.goal_id), "type": "Goal"}  # 0..1 in R4
        if action.due_date is not None:
            resource["restriction"] = {"period": {"end": action.due_date.isoformat()}}
        return resource

    def consent(self, record: ConsentView, child: MemberView) -> Json:
        provision: Json = {
            "type": "permit",
            "actor": [{"role": INFORMATION_RECIPIENT, "reference": self.organisation(record.organization)}],
            "action": [ACCESS],
        }
        if record.until is not None:
            provision["period"] = {"end": record.until.isoformat()}
        counts = record.in_force and self.decides_for(record.given_by, child)
        return {
            "resourceType": "Consent",
            "status": "active" if counts else "inactive",
            "scope": CONSENT_SCOPE,
            "category": [CONSENT_CATEGORY],
            "patient": self.party(child.id),
            "dateTime": _instant(record.given_at),
            "performer": [self.party(record.given_by)],
            "policyRule": CONSENT_POLICY,
            "provision": provision,
        }

    # -- the age rules, per child (consent.holds_for_child decides for the plan as a whole) -------------------
    def is_parent(self, member_id: str) -> bool:
        return any(m.id == member_id and m.kind == "parent" for m in self.view.members or [])

    def decides_for(self, giver_id: str, child: MemberView) -> bool:
        years = consent.age(child.birth_date, self.today)
        if giver_id == child.id:
            return years >= consent.CHILD_CONSENTS_TOO
        giver = next((m for m in self.view.members or [] if m.id == giver_id), None)
        return giver is not None and giver.authority and years < consent.DECIDES_ALONE


def _instant(moment: datetime) -> str:
    """FHIR wants a zone on every time; stored times are UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
