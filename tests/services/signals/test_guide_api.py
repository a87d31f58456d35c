"""The signal guide over the API: the question set with the caller's profile, and advice that stores nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.signals.models.guide import LifeDomain
from tests.services.conftest import SIGNAL_GUIDE_PARAMETER, LambdaContext, Region, api_event, claims

NURSE = claims()  # demo-jgz-groningen: youth health care
TEACHER = claims(sub="user-bram", **{"cognito:username": "bram.school", "custom:organization": "demo-school-groningen"})
PARENT = claims(sub="user-eva", **{"cognito:username": "eva.ouder", "cognito:groups": "parent"})


def call(method: str, path: str, who: dict[str, str] | None, body: Any = None) -> tuple[int, dict[str, Any]]:
    from services.signals.handlers.api import handler

    response = handler(api_event(method, path, body=body, claims_=who), LambdaContext())
    return response["statusCode"], json.loads(response["body"])


def advice(who: dict[str, str], answers: dict[str, str], **extra: Any) -> tuple[int, dict[str, Any]]:
    return call("POST", "/signals/guide/advice", who, {"version": "2026.1", "answers": answers, **extra})


def fields(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body["details"]["errors"]]


def test_a_professional_gets_the_question_set_by_life_domain_and_their_profile(region: Region) -> None:
    status, body = call("GET", "/signals/guide", NURSE)
    assert status == 200
    assert body["version"] == region.signal_guide.version == "2026.1"
    assert [g["code"] for g in body["grounds"]] == list("abcdefghijkl")
    assert [d["domain"] for d in body["domains"]] == [d.value for d in LifeDomain]
    questions = [q for d in body["domains"] for q in d["questions"]]
    assert len(questions) == len(region.signal_guide.questions) == 20
    assert all(q["text"]["nl"] and q["text"]["en"] and q["grounds"] for q in questions)
    assert body["domains"][2]["title"] == {"nl": "Opvoeding en gezinsrelaties", "en": "Upbringing and family relations"}
    assert body["organisation_profile"] == {
        "domain": "youth_health_care",
        "signals_directly": ["a", "d", "k"],
        "consults_first": False,
    }


def test_a_teacher_sees_the_profile_of_education(region: Region) -> None:
    status, body = call("GET", "/signals/guide", TEACHER)
    assert status == 200
    assert body["organisation_profile"] == {"domain": "education", "signals_directly": ["e"], "consults_first": True}


@pytest.mark.parametrize("organisation", ["demo-gemeente-groningen", "not-in-the-region"])
def test_an_organisation_without_a_profile_gets_the_guide_without_one(region: Region, organisation: str) -> None:
    status, body = call("GET", "/signals/guide", claims(**{"custom:organization": organisation}))
    assert status == 200
    assert body["organisation_profile"] is None
    assert body["domains"]


def test_a_teacher_is_advised_to_signal_on_truancy_in_dutch_and_english(region: Region) -> None:
    status, body = advice(TEACHER, {"truancy": "yes", "dropout": "no", "violence": "no"})
    assert status == 200
    assert body["advice"] == "signal"
    assert body["grounds"] == ["e"]
    assert body["version"] == "2026.1"
    assert body["explanation"]["nl"].startswith("Advies: geef een signaal af in de verwijsindex.")
    assert "Veelvuldig schoolverzuim of voortijdig schoolverlaten (e)" in body["explanation"]["nl"]
    assert body["explanation"]["en"].startswith("Advice: register a signal in the referral index.")
    assert "Frequent truancy or early school-leaving (e)" in body["explanation"]["en"]


def test_a_teacher_consults_first_on_a_suspicion_of_violence_a_nurse_signals(region: Region) -> None:
    _, teacher = advice(TEACHER, {"violence": "yes"})
    _, nurse = advice(NURSE, {"violence": "yes"})
    assert (teacher["advice"], teacher["grounds"]) == ("consult", ["a"])
    assert "overleg eerst" in teacher["explanation"]["nl"] and "first consult" in teacher["explanation"]["en"]
    assert (nurse["advice"], nurse["grounds"]) == ("signal", ["a"])


def test_no_to_everything_is_no_signal(region: Region) -> None:
    answers = {q.id: "no" for q in region.signal_guide.questions}
    status, body = advice(NURSE, answers)
    assert status == 200
    assert (body["advice"], body["grounds"]) == ("no_signal", [])
    assert body["explanation"]["nl"].startswith("Advies: geen signaal.")


def test_asking_for_advice_stores_nothing(region: Region) -> None:
    advice(NURSE, {"violence": "yes", "self-harm": "unknown"})
    dynamodb = region.client("dynamodb")
    for table in [*region.tables.values(), "test-audit"]:
        assert dynamodb.scan(TableName=table)["Items"] == [], table


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": "2026.1", "answers": {"truancy": "maybe"}}, "answers.truancy"),
        ({"version": "2026.1", "answers": {"no-such-question": "yes"}}, "answers.no-such-question"),
        ({"version": "2026.1", "answers": {"truancy": "yes"}, "note": "zit thuis sinds de scheiding"}, "note"),
        ({"answers": {"truancy": "yes"}}, "version"),
        ({"version": "2025.2", "answers": {"truancy": "yes"}}, "version"),
    ],
)
def test_invalid_advice_requests_are_refused_naming_the_field(region: Region, body: dict[str, Any], field: str) -> None:
    status, reply = call("POST", "/signals/guide/advice", NURSE, body)
    assert status == 422
    assert fields(reply) == [field]
    assert "zit thuis" not in json.dumps(reply)  # free text is never echoed


def test_answers_to_an_older_guide_say_which_version_is_current(region: Region) -> None:
    status, body = advice(NURSE, {"truancy": "yes"}, version="2025.2")
    assert (status, body["code"], body["details"]["current_version"]) == (422, "signal_guide_changed", "2026.1")


@pytest.mark.parametrize(("method", "path"), [("GET", "/signals/guide"), ("POST", "/signals/guide/advice")])
def test_only_professionals_may_use_the_guide(region: Region, method: str, path: str) -> None:
    body = {"version": "2026.1", "answers": {"truancy": "yes"}}
    status, reply = call(method, path, PARENT, body if method == "POST" else None)
    assert (status, reply["code"]) == (403, "role_required")
    status, reply = call(method, path, None, body if method == "POST" else None)
    assert (status, reply["code"]) == (401, "unauthenticated")


def test_without_its_parameter_the_guide_is_unavailable_not_an_internal_error(region: Region) -> None:
    from services.shared.region_config import reset_region_config

    region.client("ssm").delete_parameter(Name=SIGNAL_GUIDE_PARAMETER)
    reset_region_config()  # also drops the cached parameter values
    status, body = call("GET", "/signals/guide", NURSE)
    assert (status, body["code"]) == (503, "signal_guide_unavailable")
