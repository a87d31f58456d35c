"""The signal guide: the advice rule, its explanation in Dutch and English, and the guide's own consistency."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.shared.errors import Unprocessable
from services.shared.region import SIGNALLING_DOMAINS, OrganisationDomain
from services.signals.logic.guide import Reason, advise
from services.signals.models.guide import (
    GROUND_CODES,
    AdviceKind,
    AdviceRequest,
    Answer,
    GuideView,
    LifeDomain,
    OrganisationProfile,
    SignalGuide,
)

REGIONS = Path(__file__).resolve().parents[3] / "infra" / "regions"
YES, NO, UNKNOWN = Answer.YES, Answer.NO, Answer.UNKNOWN

# One question per ground (strong on a, h and i), plus a second question on c in another life domain.
QUESTIONS: list[tuple[str, LifeDomain, list[str], str]] = [
    ("q-a", LifeDomain.UPBRINGING_AND_FAMILY, ["a"], "strong"),
    ("q-b", LifeDomain.HEALTH, ["b"], "normal"),
    ("q-c", LifeDomain.UPBRINGING_AND_FAMILY, ["c"], "normal"),
    ("q-c-school", LifeDomain.SCHOOL_AND_WORK, ["c"], "normal"),
    ("q-d", LifeDomain.HEALTH, ["d"], "normal"),
    ("q-e", LifeDomain.SCHOOL_AND_WORK, ["e"], "normal"),
    ("q-f", LifeDomain.SCHOOL_AND_WORK, ["f"], "normal"),
    ("q-g", LifeDomain.MATERIAL_CIRCUMSTANCES, ["g"], "normal"),
    ("q-h", LifeDomain.MATERIAL_CIRCUMSTANCES, ["h"], "strong"),
    ("q-i", LifeDomain.SOCIAL_ENVIRONMENT, ["i"], "strong"),
    ("q-j", LifeDomain.SOCIAL_ENVIRONMENT, ["j"], "normal"),
    ("q-kl", LifeDomain.UPBRINGING_AND_FAMILY, ["k", "l"], "normal"),
]
DIRECT: dict[OrganisationDomain, tuple[list[str], bool]] = {
    OrganisationDomain.EDUCATION: (["e"], True),
    OrganisationDomain.YOUTH_CARE: ([], False),
}


def guide_data() -> dict[str, Any]:
    return {
        "version": "2026.1",
        "grounds": [{"code": c, "title": {"nl": f"Titel {c}", "en": f"Title {c}"}} for c in GROUND_CODES],
        "questions": [
            {
                "id": qid,
                "domain": domain.value,
                "text": {"nl": f"Vraag {qid}?", "en": f"Question {qid}?"},
                "grounds": grounds,
                "weight": weight,
            }
            for qid, domain, grounds, weight in QUESTIONS
        ],
        "profiles": [
            {
                "domain": domain.value,
                "signals_directly": DIRECT.get(domain, (["a"], False))[0],
                "consults_first": DIRECT.get(domain, (["a"], False))[1],
            }
            for domain in sorted(SIGNALLING_DOMAINS)
        ],
    }


GUIDE = SignalGuide.model_validate(guide_data())
SCHOOL = GUIDE.profile(OrganisationDomain.EDUCATION)
WIJKTEAM = GUIDE.profile(OrganisationDomain.YOUTH_CARE)


def advice_on(answers: dict[str, Answer], profile: OrganisationProfile | None = None) -> tuple[str, str, list[str]]:
    advice = advise(GUIDE, profile, answers, version=GUIDE.version)
    return advice.kind.value, advice.reason.value, list(advice.grounds)


# -- the rule, branch by branch -----------------------------------------------------------------------------


def test_a_yes_to_a_strong_question_advises_a_signal() -> None:
    assert advice_on({"q-a": YES, "q-b": NO}) == ("signal", Reason.STRONG_YES, ["a"])


def test_yes_answers_on_two_grounds_advise_a_signal() -> None:
    assert advice_on({"q-b": YES, "q-g": YES}) == ("signal", Reason.SEVERAL_GROUNDS, ["b", "g"])


def test_a_single_normal_yes_advises_to_consult_first() -> None:
    assert advice_on({"q-b": YES, "q-d": NO}) == ("consult", Reason.SINGLE_CONCERN, ["b"])


def test_a_single_question_on_two_grounds_is_still_a_single_concern() -> None:
    assert advice_on({"q-kl": YES}) == ("consult", Reason.SINGLE_CONCERN, ["k", "l"])


def test_two_yes_answers_on_the_same_ground_are_one_concern() -> None:
    assert advice_on({"q-c": YES, "q-c-school": YES}) == ("consult", Reason.SINGLE_CONCERN, ["c"])


def test_unknown_on_a_strong_question_advises_to_consult_first() -> None:
    assert advice_on({"q-a": UNKNOWN, "q-b": NO}) == ("consult", Reason.STRONG_UNKNOWN, [])


def test_unknown_on_a_normal_question_alone_is_no_signal() -> None:
    assert advice_on({"q-b": UNKNOWN, "q-a": NO}) == ("no_signal", Reason.NOTHING_FOUND, [])


def test_no_to_everything_is_no_signal() -> None:
    assert advice_on({qid: NO for qid, *_ in QUESTIONS}) == ("no_signal", Reason.NOTHING_FOUND, [])


def test_a_school_signals_directly_on_truancy() -> None:
    assert advice_on({"q-e": YES}, SCHOOL) == ("signal", Reason.DIRECT_GROUND, ["e"])
    assert advice_on({"q-e": YES}) == ("consult", Reason.SINGLE_CONCERN, ["e"])  # without a profile


def test_a_school_consults_first_on_grounds_outside_its_direct_ones() -> None:
    assert advice_on({"q-a": YES}, SCHOOL) == ("consult", Reason.PROFILE_CONSULTS_FIRST, ["a"])
    assert advice_on({"q-b": YES, "q-g": YES}, SCHOOL) == ("consult", Reason.PROFILE_CONSULTS_FIRST, ["b", "g"])
    assert advice_on({"q-a": YES, "q-e": YES}, SCHOOL) == ("signal", Reason.DIRECT_GROUND, ["a", "e"])


def test_an_organisation_that_does_not_consult_first_signals_on_a_strong_yes() -> None:
    assert advice_on({"q-a": YES}, WIJKTEAM) == ("signal", Reason.STRONG_YES, ["a"])
    assert advice_on({"q-b": YES}, WIJKTEAM) == ("consult", Reason.SINGLE_CONCERN, ["b"])


# -- the explanation ---------------------------------------------------------------------------------------


def test_the_explanation_is_in_dutch_and_english_and_names_the_grounds() -> None:
    advice = advise(GUIDE, None, {"q-a": YES, "q-b": NO}, version="2026.1")
    assert advice.explanation.nl == (
        "Advies: geef een signaal af in de verwijsindex. Een zwaarwegende vraag is met ja beantwoord. "
        "Gronden: Titel a (a). Dit is een advies; u beslist zelf."
    )
    assert advice.explanation.en == (
        "Advice: register a signal in the referral index. A question that weighs heavily was answered yes. "
        "Grounds: Title a (a). This is advice; the decision is yours."
    )


def test_the_explanation_lists_several_grounds_and_the_direct_ones() -> None:
    advice = advise(GUIDE, SCHOOL, {"q-e": YES, "q-g": YES, "q-kl": YES}, version="2026.1")
    assert "bij een vermoeden van: Titel e (e)." in advice.explanation.nl
    assert "Gronden: Titel e (e), Titel g (g), Titel k (k) en Titel l (l)." in advice.explanation.nl
    assert "on a suspicion of: Title e (e)." in advice.explanation.en
    assert "Grounds: Title e (e), Title g (g), Title k (k) and Title l (l)." in advice.explanation.en


@pytest.mark.parametrize(
    ("answers", "profile", "nl", "en"),
    [
        ({"q-b": YES}, None, "overleg eerst met een collega", "first consult a colleague"),
        ({"q-a": UNKNOWN}, None, "met 'weet niet' beantwoord", "answered 'don't know'"),
        ({"q-a": YES}, SCHOOL, "overlegt uw soort organisatie eerst", "your kind of organisation consults first"),
        ({"q-a": NO}, None, "Advies: geen signaal.", "Advice: no signal."),
    ],
)
def test_every_advice_is_explained_in_both_languages(
    answers: dict[str, Answer], profile: OrganisationProfile | None, nl: str, en: str
) -> None:
    explanation = advise(GUIDE, profile, answers, version="2026.1").explanation
    assert nl in explanation.nl and en in explanation.en
    assert explanation.nl.endswith("u beslist zelf.") and explanation.en.endswith("the decision is yours.")


def test_the_explanation_never_repeats_a_question() -> None:
    explanation = advise(GUIDE, None, {qid: YES for qid, *_ in QUESTIONS}, version="2026.1").explanation
    assert "Vraag" not in explanation.nl and "Question" not in explanation.en
    assert "q-" not in explanation.nl + explanation.en


# -- answers that do not fit the guide -----------------------------------------------------------------------


def test_an_answer_to_a_question_the_guide_does_not_have_is_refused_naming_it() -> None:
    with pytest.raises(Unprocessable) as raised:
        advise(GUIDE, None, {"q-a": NO, "q-zz": YES}, version="2026.1")
    assert raised.value.status == 422
    assert [e["field"] for e in raised.value.details["errors"]] == ["answers.q-zz"]


def test_answers_to_another_version_of_the_guide_are_refused() -> None:
    with pytest.raises(Unprocessable) as raised:
        advise(GUIDE, None, {"q-a": NO}, version="2025.3")
    assert raised.value.code == "signal_guide_changed"
    assert [e["field"] for e in raised.value.details["errors"]] == ["version"]
    assert raised.value.details["current_version"] == "2026.1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": "2026.1", "answers": {"q-a": "maybe"}}, "answers.q-a"),
        ({"version": "2026.1", "answers": {"Q A!": "yes"}}, "answers.Q A!.[key]"),
        ({"version": "2026.1", "answers": {}}, "answers"),
        ({"version": "2026.1", "answers": {f"q-{n}": "no" for n in range(61)}}, "answers"),
        ({"version": "2026.1", "answers": {"q-a": "yes"}, "note": "Jan slaat zijn kind"}, "note"),
        ({"version": "latest", "answers": {"q-a": "yes"}}, "version"),
    ],
)
def test_an_advice_request_holds_only_a_version_and_yes_no_unknown_answers(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        AdviceRequest.model_validate(body)
    assert [".".join(str(p) for p in e["loc"]) for e in raised.value.errors()] == [field]


# -- properties ------------------------------------------------------------------------------------------------

QUESTION_IDS = [qid for qid, *_ in QUESTIONS]
PROFILES = [None, *GUIDE.profiles]
answer_sets = st.dictionaries(st.sampled_from(QUESTION_IDS), st.sampled_from(list(Answer)), min_size=1)


@given(answers=answer_sets, profile=st.sampled_from(PROFILES), seed=st.randoms())
def test_advice_never_depends_on_the_order_of_the_answers(
    answers: dict[str, Answer], profile: OrganisationProfile | None, seed: Any
) -> None:
    items = list(answers.items())
    seed.shuffle(items)
    assert advise(GUIDE, profile, dict(items), version="2026.1") == advise(GUIDE, profile, answers, version="2026.1")


@given(questions=st.sets(st.sampled_from(QUESTION_IDS), min_size=1), profile=st.sampled_from(PROFILES))
def test_no_to_everything_is_always_no_signal(questions: set[str], profile: OrganisationProfile | None) -> None:
    advice = advise(GUIDE, profile, dict.fromkeys(questions, NO), version="2026.1")
    assert (advice.kind, advice.grounds) == (AdviceKind.NO_SIGNAL, ())


@given(answers=answer_sets, extra=st.sets(st.sampled_from(QUESTION_IDS)), profile=st.sampled_from(PROFILES))
def test_answering_more_questions_no_never_changes_the_advice(
    answers: dict[str, Answer], extra: set[str], profile: OrganisationProfile | None
) -> None:
    more = {**dict.fromkeys(extra - set(answers), NO), **answers}
    assert advise(GUIDE, profile, more, version="2026.1") == advise(GUIDE, profile, answers, version="2026.1")


@given(answers=answer_sets, profile=st.sampled_from(PROFILES))
def test_the_grounds_are_exactly_those_answered_yes_and_a_signal_needs_one(
    answers: dict[str, Answer], profile: OrganisationProfile | None
) -> None:
    advice = advise(GUIDE, profile, answers, version="2026.1")
    yes = sorted({g for q in GUIDE.questions if answers.get(q.id) is YES for g in q.grounds})
    assert list(advice.grounds) == yes
    if advice.kind is AdviceKind.SIGNAL:
        assert yes


# -- the guide's own consistency --------------------------------------------------------------------------


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(guide_data())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["questions"].append(dict(d["questions"][0])), "questions: id ['q-a'] is listed twice"),
        (lambda d: d["questions"].pop(), "questions: no question asks about ground ['k', 'l']"),
        (
            lambda d: (
                d["questions"].__setitem__(1, {**d["questions"][1], "domain": "upbringing_and_family"})
                or d["questions"].__setitem__(4, {**d["questions"][4], "domain": "upbringing_and_family"})
            ),
            "questions: no question in life domain ['health']",
        ),
        (lambda d: d["grounds"].pop(), "grounds\n  Value error, ground ['l'] is missing"),
        (lambda d: d["grounds"].__setitem__(1, d["grounds"][0]), "ground ['a'] is listed twice"),
        (lambda d: d["questions"][0].update(grounds=["a", "a"]), "questions.0.grounds\n"),
        (lambda d: d["questions"][0].update(grounds=[]), "questions.0.grounds\n"),
        (lambda d: d["questions"][0].update(weight="urgent"), "questions.0.weight\n"),
        (lambda d: d["questions"][0].update(id="Q 1"), "questions.0.id\n"),
        (lambda d: d["profiles"].pop(), "profiles: no profile for signalling domain"),
        (lambda d: d["profiles"].append(dict(d["profiles"][0])), "has more than one profile"),
        (
            lambda d: d["profiles"].append({"domain": "municipality", "consults_first": True}),
            "profiles.7.domain\n  Value error, 'municipality' does not signal",
        ),
        (lambda d: d.update(version="v2"), "version\n"),
        (lambda d: d["questions"][0]["text"].pop("en"), "questions.0.text.en\n"),
        (lambda d: d.update(remarks="x"), "remarks\n"),
    ],
)
def test_an_inconsistent_guide_is_refused_naming_the_field(change: Any, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SignalGuide.model_validate(broken(change))
    assert message in str(raised.value)


def test_the_guide_view_groups_the_questions_by_the_five_life_domains() -> None:
    view = GuideView.of(GUIDE, SCHOOL)
    assert [d.domain for d in view.domains] == list(LifeDomain)
    assert [q.id for q in view.domains[0].questions] == ["q-g", "q-h"]
    assert view.domains[0].title.nl == "Materiële omstandigheden (geld, wonen)"
    assert sum(len(d.questions) for d in view.domains) == len(QUESTIONS)
    assert view.organisation_profile == SCHOOL


@pytest.mark.parametrize("region", ["groningen", "haaglanden"])
def test_every_region_files_guide_is_valid_and_fits_one_ssm_parameter(region: str) -> None:
    data = yaml.safe_load((REGIONS / f"{region}.yaml").read_text())
    guide = SignalGuide.model_validate(data["signal_guide"])
    assert 15 <= len(guide.questions) <= 30
    for domain in LifeDomain:
        assert 3 <= sum(q.domain is domain for q in guide.questions) <= 5, domain
    assert {p.domain for p in guide.profiles} == SIGNALLING_DOMAINS
    assert len(guide.model_dump_json(exclude_defaults=True).encode()) <= 8192  # an advanced SSM parameter
    assert json.loads(guide.model_dump_json(exclude_defaults=True))["version"] == guide.version


def test_in_groningen_a_school_signals_on_truancy_and_consults_on_violence() -> None:
    data = yaml.safe_load((REGIONS / "groningen.yaml").read_text())
    guide = SignalGuide.model_validate(data["signal_guide"])
    school = guide.profile(OrganisationDomain.EDUCATION)
    assert advise(guide, school, {"truancy": YES}, version=guide.version).kind is AdviceKind.SIGNAL
    assert advise(guide, school, {"violence": YES}, version=guide.version).kind is AdviceKind.CONSULT
    nurse = guide.profile(OrganisationDomain.YOUTH_HEALTH_CARE)
    assert advise(guide, nurse, {"violence": YES}, version=guide.version).kind is AdviceKind.SIGNAL
    assert advise(guide, None, {"violence": NO, "truancy": NO}, version=guide.version).kind is AdviceKind.NO_SIGNAL
