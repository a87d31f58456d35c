"""The plan as a FHIR R4 Bundle: valid for every caller, mapped as DOMAIN.md says, and cut to what the caller
may see - exactly like the plans API.

Every bundle is parsed whole with the R4B models of ``fhir.resources`` (R4B is R4's technical correction;
the R4 4.0.1 models only exist for pydantic 1). They check structure, cardinality and types, not the codes of
required value sets nor invariants, so those are asserted here against R4's lists."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from services.plans.logic.access import Level, viewer_of
from services.plans.logic.fhir import bundle
from services.plans.models.plan import Action, Agreement, Consent, Coordinator, Goal, Phase, Plan
from tests.unit.plans.test_access import NOW, TODAY, family_plan, principal

PSEUDONYMS = ("a1" * 32, "b2" * 32, "c3" * 32, "d4" * 32, "e5" * 32)

# R4's required value sets (the models accept any code).
R4_CODES = {
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("CareTeam", "status"): {"proposed", "active", "suspended", "inactive", "entered-in-error"},
    ("Goal", "lifecycleStatus"): {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    },
    ("Task", "status"): {
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "entered-in-error",
    },
    ("Task", "intent"): {"unknown", "proposal", "plan", "order", "original-order", "reflex-order", "option"},
    ("Consent", "status"): {"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"},
    ("Group", "type"): {"person", "animal", "practitioner", "device", "medication", "substance"},
}

VIEWERS = {
    "coordinator": "u-carla",
    "parent with authority": "u-eva",
    "hidden-from parent": "u-piet",
    "child of 14": "u-tim",
    "relative in the network": "u-oma",
    "consented professional": "u-anna",
    "unconsented professional": "u-bram",
}


def full_plan(*, phase: Phase = "active") -> Plan:
    """The access matrix's family, with every kind of item, some hidden from Piet, and consents in every state."""
    plan = family_plan()
    plan.phase = phase
    for member, pseudonym in zip(plan.members, PSEUDONYMS, strict=True):
        member.subject = pseudonym
    plan.network[2].end_date = date(2027, 6, 30)  # Bram, the mentor
    plan.goals[0].status = "active"
    plan.goals[0].target_date = date(2027, 3, 1)
    plan.goals.append(Goal(id="gol-00000003", domain="school_and_work", description="naar school", status="completed"))
    plan.actions = [
        Action(
            id="act-00000001",
            description="slaapdagboek",
            owner="net-00000002",
            goal_id="gol-00000001",
            due_date=date(2027, 1, 15),
            status="in_progress",
        ),
        Action(
            id="act-00000002",
            description="gesprek over thuis",
            owner="net-00000001",
            goal_id="gol-00000002",
            hidden_from=["mem-00000004"],
        ),
        Action(id="act-00000003", description="rooster maken", owner="mem-00000002", status="done"),
        Action(  # visible to Piet, but serves a goal hidden from him
            id="act-00000004", description="bijles", owner="net-00000003", goal_id="gol-00000002", status="cancelled"
        ),
    ]
    plan.agreements = [
        Agreement(id="agr-00000001", text="we bellen elke maandag"),
        Agreement(id="agr-00000002", text="Piet haalt de kinderen niet op", hidden_from=["mem-00000004"]),
    ]
    plan.consents += [
        Consent(
            id="con-00000003",
            organization="wijkteam",
            given_by="mem-00000003",
            given_at=NOW,
            revoked_at=NOW,
            revoked_by="mem-00000003",
        ),
        Consent(
            id="con-00000004", organization="school", given_by="mem-00000004", given_at=NOW, until=date(2026, 11, 1)
        ),
        Consent(id="con-00000005", organization="jgz", given_by="mem-00000004", given_at=NOW, until=date(2027, 6, 1)),
    ]
    return plan


def export(plan: Plan, user_id: str, today: date = TODAY) -> dict[str, Any]:
    viewer = viewer_of(plan, principal(user_id), today)
    assert viewer.level is not Level.NONE
    return bundle(plan, viewer, today)


def resources(exported: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in exported["entry"] if e["resource"]["resourceType"] == resource_type]


def one(exported: dict[str, Any], resource_type: str) -> dict[str, Any]:
    [resource] = resources(exported, resource_type)
    return resource


def by_url(exported: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in exported["entry"]}


def references(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return own + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    return []


@pytest.mark.parametrize("relation", list(VIEWERS))
def test_every_caller_gets_a_valid_fhir_r4_bundle(relation: str) -> None:
    exported = export(full_plan(), VIEWERS[relation])
    text = json.dumps(exported)  # JSON as it is, no custom encoder

    parsed = Bundle.model_validate(exported)  # every entry parsed as its own resource type

    assert parsed.type == "collection"
    assert [type(e.resource).__name__ for e in parsed.entry or []] == [
        e["resource"]["resourceType"] for e in exported["entry"]
    ]
    urls = [e["fullUrl"] for e in exported["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(url == "urn:uuid:" + e["resource"]["id"] for url, e in zip(urls, exported["entry"], strict=True))
    assert set(references(exported)) <= set(urls)  # every reference resolves inside the bundle
    for (resource_type, field), codes in R4_CODES.items():
        assert {r[field] for r in resources(exported, resource_type)} <= codes, (resource_type, field)
    for consent in resources(exported, "Consent"):
        assert consent.get("policy") or consent.get("policyRule")  # ppc-1
        assert consent["patient"]["reference"] in urls  # ppc-2: a privacy consent names its patient
    assert not any(pseudonym in text for pseudonym in PSEUDONYMS)
    assert "bsn" not in text.lower()


def test_the_coordinator_gets_the_whole_plan_mapped_to_fhir() -> None:
    plan = full_plan()
    exported = export(plan, "u-carla")
    resolve = by_url(exported)

    care_plan = one(exported, "CarePlan")
    assert care_plan["status"] == "active" and care_plan["intent"] == "plan"
    assert care_plan["identifier"] == [{"system": "urn:jeugdketen:plan", "value": plan.id}]
    assert care_plan["period"] == {"start": "2026-12-01"}
    assert care_plan["author"]["display"] == "Carla"
    assert resolve[care_plan["careTeam"][0]["reference"]]["resourceType"] == "CareTeam"
    subject = resolve[care_plan["subject"]["reference"]]
    assert subject["resourceType"] == "Group" and subject["quantity"] == 3
    assert [resolve[m["entity"]["reference"]]["name"][0]["text"] for m in subject["member"]] == [
        "Sanne",
        "Tim",
        "Lotte",
    ]
    assert [n["text"] for n in care_plan["note"]] == ["we bellen elke maandag", "Piet haalt de kinderen niet op"]

    patients = resources(exported, "Patient")
    assert [set(p) for p in patients] == [{"resourceType", "id", "name", "birthDate"}] * 3
    assert [p["birthDate"] for p in patients] == ["2018-05-01", "2012-01-01", "2020-02-02"]

    goals = [resolve[g["reference"]] for g in care_plan["goal"]]
    assert [(g["description"]["text"], g["lifecycleStatus"]) for g in goals] == [
        ("beter slapen", "active"),
        ("rust thuis", "proposed"),
        ("naar school", "completed"),
    ]
    assert goals[0]["category"][0]["text"] == "Gezondheid"
    assert goals[0]["category"][0]["coding"][0]["code"] == "health"
    assert goals[0]["target"] == [{"dueDate": "2027-03-01"}]
    assert "target" not in goals[1]
    assert all(g["subject"] == care_plan["subject"] for g in goals)

    tasks = [resolve[a["reference"]["reference"]] for a in care_plan["activity"]]
    assert [(t["description"], t["status"]) for t in tasks] == [
        ("slaapdagboek", "in-progress"),
        ("gesprek over thuis", "requested"),
        ("rooster maken", "completed"),
        ("bijles", "cancelled"),
    ]
    assert {t["intent"] for t in tasks} == {"plan"}
    sleep_diary = tasks[0]
    assert sleep_diary["restriction"] == {"period": {"end": "2027-01-15"}}
    assert sleep_diary["owner"]["display"] == "Anna" and sleep_diary["owner"]["type"] == "Practitioner"
    assert resolve[sleep_diary["reasonReference"]["reference"]] is goals[0]
    assert resolve[sleep_diary["basedOn"][0]["reference"]] is care_plan
    assert resolve[tasks[3]["reasonReference"]["reference"]] is goals[1]
    assert resolve[tasks[2]["owner"]["reference"]]["name"] == [{"text": "Tim"}]  # a child owns it: their Patient


def test_the_care_team_is_the_current_network_with_the_coordinator_marked() -> None:
    team = one(export(full_plan(), "u-carla"), "CareTeam")

    participants = {p["member"]["display"]: p for p in team["participant"]}
    assert list(participants) == ["Carla", "Anna", "Bram", "Oma"]  # Ex's end date has passed
    assert [r.get("text") for r in participants["Carla"]["role"]] == ["gezinscoach", "regisseur"]
    assert participants["Carla"]["role"][1]["coding"][0]["code"] == "coordinator"
    assert all(len(p["role"]) == 1 for name, p in participants.items() if name != "Carla")
    assert participants["Anna"]["onBehalfOf"]["identifier"]["value"] == "jgz"
    assert participants["Bram"]["period"] == {"end": "2027-06-30"}
    assert participants["Oma"]["member"]["type"] == "RelatedPerson" and "onBehalfOf" not in participants["Oma"]


def test_each_consent_is_exported_per_child_it_speaks_for_with_its_state_today() -> None:
    exported = export(full_plan(), "u-carla")
    resolve = by_url(exported)

    def state(consent: dict[str, Any]) -> tuple[str, str, str, str]:
        organization = consent["provision"]["actor"][0]["reference"]["identifier"]["value"]
        child = resolve[consent["patient"]["reference"]]["name"][0]["text"]
        return organization, consent["performer"][0]["display"], child, consent["status"]

    assert [state(c) for c in resources(exported, "Consent")] == [
        ("jgz", "Eva", "Sanne", "active"),
        ("jgz", "Eva", "Tim", "active"),
        ("jgz", "Eva", "Lotte", "active"),
        ("jgz", "Tim", "Tim", "active"),  # 14: consents for himself, alongside a parent
        ("wijkteam", "Eva", "Sanne", "inactive"),  # revoked
        ("wijkteam", "Eva", "Tim", "inactive"),
        ("wijkteam", "Eva", "Lotte", "inactive"),
        ("school", "Piet", "Sanne", "inactive"),  # expired
        ("school", "Piet", "Tim", "inactive"),
        ("school", "Piet", "Lotte", "inactive"),
        ("jgz", "Piet", "Sanne", "active"),
        ("jgz", "Piet", "Tim", "active"),
        ("jgz", "Piet", "Lotte", "active"),
    ]
    jgz_until = resources(exported, "Consent")[-1]
    assert jgz_until["provision"]["period"] == {"end": "2027-06-01"}
    assert jgz_until["dateTime"] == "2026-12-01T09:00:00+00:00"
    assert jgz_until["scope"]["coding"][0]["code"] == "patient-privacy"
    assert jgz_until["provision"]["type"] == "permit"


def test_a_parents_consent_no_longer_counts_for_a_child_of_sixteen() -> None:
    exported = export(full_plan(), "u-carla", today=date(2028, 1, 2))  # Tim turned 16 the day before
    resolve = by_url(exported)
    for_tim = [
        (c["performer"][0]["display"], c["status"])
        for c in resources(exported, "Consent")
        if resolve[c["patient"]["reference"]]["name"][0]["text"] == "Tim"
    ]
    assert ("Eva", "inactive") in for_tim  # her consent, never revoked, is no longer hers to give
    assert ("Tim", "active") in for_tim
    assert [status for giver, status in for_tim if giver == "Eva"] == ["inactive", "inactive"]  # jgz, wijkteam
    sanne = next(c["status"] for c in resources(exported, "Consent") if c["performer"][0]["display"] == "Eva")
    assert sanne == "active"  # Sanne is 9: Eva still consents for her


def test_items_hidden_from_a_parent_are_not_in_their_export() -> None:
    exported = export(full_plan(), "u-piet")
    text = json.dumps(exported)

    assert [g["description"]["text"] for g in resources(exported, "Goal")] == ["beter slapen", "naar school"]
    assert [t["description"] for t in resources(exported, "Task")] == ["slaapdagboek", "rooster maken", "bijles"]
    assert [n["text"] for n in one(exported, "CarePlan")["note"]] == ["we bellen elke maandag"]
    assert "reasonReference" not in resources(exported, "Task")[2]  # bijles: its goal is hidden from Piet
    for hidden in ("rust thuis", "gesprek over thuis", "Piet haalt de kinderen niet op"):
        assert hidden not in text
    # and nothing points at what was left out (the same item has the same full URL in every export)
    left_out = {
        e["fullUrl"]
        for e in export(full_plan(), "u-carla")["entry"]
        if e["resource"].get("description") in ({"text": "rust thuis"}, "gesprek over thuis")
    }
    assert len(left_out) == 2 and not left_out & set(references(exported))


def test_an_unconsented_professional_gets_only_the_care_plan_and_the_care_team() -> None:
    exported = export(full_plan(), "u-bram")
    text = json.dumps(exported)

    assert [e["resource"]["resourceType"] for e in exported["entry"]] == ["CarePlan", "CareTeam"]
    care_plan = one(exported, "CarePlan")
    assert care_plan["status"] == "active"
    assert care_plan["subject"] == {"display": "de kinderen van het gezin"}  # who they are is not theirs to see
    assert not {"goal", "activity", "note", "period"} & set(care_plan)
    assert [p["member"]["display"] for p in one(exported, "CareTeam")["participant"]] == [
        "Carla",
        "Anna",
        "Bram",
        "Oma",
    ]
    assert "subject" not in one(exported, "CareTeam")
    for unseen in ("birthDate", "Sanne", "Lotte", "Eva", "slaapdagboek", "beter slapen", "maandag"):
        assert unseen not in text


@pytest.mark.parametrize(
    ("phase", "status"),
    [("intake", "draft"), ("active", "active"), ("evaluation", "active"), ("closed", "completed")],
)
def test_the_phase_decides_the_care_plan_status(phase: Phase, status: str) -> None:
    exported = export(full_plan(phase=phase), "u-carla")
    assert one(exported, "CarePlan")["status"] == status
    assert one(exported, "CareTeam")["status"] == ("inactive" if phase == "closed" else "active")


def test_a_plan_nobody_consented_to_yet_is_a_draft_whatever_its_phase() -> None:
    plan = full_plan()
    plan.draft = True
    assert one(export(plan, "u-carla"), "CarePlan")["status"] == "draft"


def test_a_closed_plan_has_an_end_to_its_period() -> None:
    plan = full_plan(phase="closed")
    plan.closed_at = datetime(2027, 9, 1, 12, 0, tzinfo=UTC)
    assert one(export(plan, "u-carla"), "CarePlan")["period"] == {"start": "2026-12-01", "end": "2027-09-01"}


def test_one_child_is_the_subject_itself_and_a_coordinating_parent_joins_the_care_team() -> None:
    plan = full_plan()
    plan.members = [m for m in plan.members if m.id != "mem-00000001" and m.id != "mem-00000005"]  # Tim only
    plan.coordinator = Coordinator(kind="parent", user_id="u-eva", ref="mem-00000003", since=NOW)

    for user_id in ("u-eva", "u-bram"):
        exported = export(plan, user_id)
        Bundle.model_validate(exported)
        [coordinator] = [p for p in one(exported, "CareTeam")["participant"] if p["member"]["display"] == "Eva"]
        assert coordinator["role"][0]["coding"][0]["code"] == "coordinator"
        assert coordinator["member"]["type"] == "RelatedPerson"
        assert one(exported, "CarePlan")["author"]["display"] == "Eva"

    exported = export(plan, "u-eva")
    assert resources(exported, "Group") == []
    subject = one(exported, "CarePlan")["subject"]
    assert by_url(exported)[subject["reference"]]["name"] == [{"text": "Tim"}]


def test_exporting_twice_gives_the_same_bundle() -> None:
    plan = full_plan()
    assert export(plan, "u-carla") == export(plan, "u-carla")
    coordinator_urls = {e["fullUrl"] for e in export(plan, "u-carla")["entry"]}
    assert {e["fullUrl"] for e in export(plan, "u-piet")["entry"]} < coordinator_urls  # same ids, fewer items


def test_the_validator_would_catch_a_broken_bundle() -> None:
    """Guards the tests above against passing vacuously: the models do reject what R4 does not allow."""
    exported = export(full_plan(), "u-carla")
    task = resources(exported, "Task")[0]
    del task["intent"]
    with pytest.raises(ValidationError):
        Bundle.model_validate(exported)
    task["intent"] = "plan"
    one(exported, "CarePlan")["goals"] = []  # a misspelt field
    with pytest.raises(ValidationError):
        Bundle.model_validate(exported)
