"""The signal guide: its advice on a set of answers, and reading the region's guide from SSM.

The advice is a pure, deterministic rule over the answers (questions are visited in the guide's order, so
the order of the answers never matters). With ``Y`` the grounds of the questions answered "yes":

1. **signal** if ``Y`` holds a ground that the caller's organisation profile signals on directly;
2. otherwise, if a *strong* question is answered "yes", or two or more "yes" answers together cover two or
   more grounds: **signal** - or **consult** when the profile consults first for grounds outside its direct
   ones (e.g. a school, for anything but truancy);
3. otherwise **consult** (a colleague or the organisation's coordinator first) if any question is answered
   "yes" (a single concern), or a strong question is answered "unknown";
4. otherwise **no_signal**. A question left unanswered counts as not answered "yes".

The grounds of the advice are the sorted codes in ``Y``. The explanation is composed of fixed Dutch and English
sentences and the guide's own ground titles; it never repeats anything else. It is advice: the professional
decides (DOMAIN.md, decision support).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.shared.errors import ServiceUnavailable, Unprocessable
from services.shared.settings import get_settings
from services.signals.models.guide import (
    AdviceKind,
    Answer,
    Explanation,
    GroundCode,
    OrganisationProfile,
    SignalGuide,
    Text,
)

CACHE_SECONDS = 300
_parsed: dict[str, SignalGuide] = {}


class Reason(StrEnum):
    """Which step of the rule decided the advice."""

    DIRECT_GROUND = "direct_ground"
    STRONG_YES = "strong_yes"
    SEVERAL_GROUNDS = "several_grounds"
    PROFILE_CONSULTS_FIRST = "profile_consults_first"
    SINGLE_CONCERN = "single_concern"
    STRONG_UNKNOWN = "strong_unknown"
    NOTHING_FOUND = "nothing_found"


@dataclass(frozen=True)
class Advice:
    kind: AdviceKind
    reason: Reason
    grounds: tuple[GroundCode, ...]
    explanation: Explanation
    version: str


def advise(
    guide: SignalGuide,
    profile: OrganisationProfile | None,
    answers: Mapping[str, Answer],
    *,
    version: str,
) -> Advice:
    """The guide's advice on ``answers`` (question id -> yes/no/unknown) for an organisation with ``profile``.

    Raises ``Unprocessable`` (422) if the answers were given to another version of the guide, or name a
    question the guide does not have.
    """
    if version != guide.version:
        raise Unprocessable(
            f"the answers are for version {version} of the signal guide; the current version is {guide.version}",
            code="signal_guide_changed",
            details={
                "errors": [{"field": "version", "message": "not the current version", "type": "guide_version"}],
                "current_version": guide.version,
            },
        )
    unknown = sorted(question_id for question_id in answers if guide.question(question_id) is None)
    if unknown:
        raise Unprocessable(
            f"the signal guide has no question {', '.join(unknown)}",
            details={
                "errors": [
                    {"field": f"answers.{question_id}", "message": "no such question", "type": "unknown_question"}
                    for question_id in unknown
                ]
            },
        )

    answered = [(q, answers[q.id]) for q in guide.questions if q.id in answers]
    yes = [q for q, answer in answered if answer is Answer.YES]
    grounds = tuple(sorted({code for q in yes for code in q.grounds}))
    direct = tuple(code for code in grounds if profile and code in profile.signals_directly)
    strong_yes = any(q.weight == "strong" for q in yes)
    several = len(yes) >= 2 and len(grounds) >= 2

    if direct:
        kind, reason = AdviceKind.SIGNAL, Reason.DIRECT_GROUND
    elif strong_yes or several:
        if profile is not None and profile.consults_first:
            kind, reason = AdviceKind.CONSULT, Reason.PROFILE_CONSULTS_FIRST
        else:
            kind, reason = AdviceKind.SIGNAL, Reason.STRONG_YES if strong_yes else Reason.SEVERAL_GROUNDS
    elif yes:
        kind, reason = AdviceKind.CONSULT, Reason.SINGLE_CONCERN
    elif any(q.weight == "strong" and answer is Answer.UNKNOWN for q, answer in answered):
        kind, reason = AdviceKind.CONSULT, Reason.STRONG_UNKNOWN
    else:
        kind, reason = AdviceKind.NO_SIGNAL, Reason.NOTHING_FOUND
    return Advice(
        kind=kind,
        reason=reason,
        grounds=grounds,
        explanation=explain(guide, kind, reason, grounds, direct),
        version=guide.version,
    )


# -- the explanation: fixed sentences, and the guide's ground titles -------------------------------------------

_HEADLINE: dict[AdviceKind, Text] = {
    AdviceKind.SIGNAL: Text(
        nl="Advies: geef een signaal af in de verwijsindex.", en="Advice: register a signal in the referral index."
    ),
    AdviceKind.CONSULT: Text(
        nl="Advies: overleg eerst met een collega of met de coördinator van uw organisatie.",
        en="Advice: first consult a colleague or your organisation's coordinator.",
    ),
    AdviceKind.NO_SIGNAL: Text(nl="Advies: geen signaal.", en="Advice: no signal."),
}
_REASON: dict[Reason, Text] = {
    Reason.DIRECT_GROUND: Text(
        nl="Uw soort organisatie geeft direct een signaal af bij een vermoeden van: {direct}.",
        en="Your kind of organisation registers a signal directly on a suspicion of: {direct}.",
    ),
    Reason.STRONG_YES: Text(
        nl="Een zwaarwegende vraag is met ja beantwoord.", en="A question that weighs heavily was answered yes."
    ),
    Reason.SEVERAL_GROUNDS: Text(
        nl="De antwoorden wijzen op meer dan één grond.", en="The answers point to more than one ground."
    ),
    Reason.PROFILE_CONSULTS_FIRST: Text(
        nl="De antwoorden wijzen op een signaal, maar bij deze gronden overlegt uw soort organisatie eerst.",
        en="The answers point to a signal, but on these grounds your kind of organisation consults first.",
    ),
    Reason.SINGLE_CONCERN: Text(
        nl="De antwoorden wijzen op één zorg; die alleen is nog geen reden voor een signaal.",
        en="The answers point to a single concern; on its own, that is not yet a reason to signal.",
    ),
    Reason.STRONG_UNKNOWN: Text(
        nl="Een zwaarwegende vraag is met 'weet niet' beantwoord.",
        en="A question that weighs heavily was answered 'don't know'.",
    ),
    Reason.NOTHING_FOUND: Text(
        nl="Geen van de antwoorden wijst op een van de twaalf wettelijke gronden voor een signaal.",
        en="None of the answers points to one of the twelve legal grounds for a signal.",
    ),
}
_GROUNDS = Text(nl="Gronden: {grounds}.", en="Grounds: {grounds}.")
_CLOSING = Text(nl="Dit is een advies; u beslist zelf.", en="This is advice; the decision is yours.")
_AND = Text(nl="en", en="and")


def _listing(items: Sequence[str], conjunction: str) -> str:
    """``a``, ``a and b``, ``a, b and c`` (Dutch: ``en``)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def explain(
    guide: SignalGuide,
    kind: AdviceKind,
    reason: Reason,
    grounds: Sequence[GroundCode],
    direct: Sequence[GroundCode],
) -> Explanation:
    """The explanation of an advice, in Dutch and English, naming the grounds by their titles in the guide."""

    def compose(language: Callable[[Text], str]) -> str:
        def titles(codes: Sequence[GroundCode]) -> str:
            return _listing([f"{language(guide.ground(code).title)} ({code})" for code in codes], language(_AND))

        sentences = [language(_HEADLINE[kind]), language(_REASON[reason]).format(direct=titles(direct))]
        if grounds:
            sentences.append(language(_GROUNDS).format(grounds=titles(grounds)))
        sentences.append(language(_CLOSING))
        return " ".join(sentences)

    return Explanation(nl=compose(lambda text: text.nl), en=compose(lambda text: text.en))


# -- the region's guide ------------------------------------------------------------------------------------


def load_guide() -> SignalGuide:
    """The region's signal guide (``JK_SIGNAL_GUIDE_PARAMETER``); fetched at most every five minutes."""
    from aws_lambda_powertools.utilities.parameters import get_parameter
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    name = get_settings().signal_guide_parameter
    if not name:
        raise ServiceUnavailable("the signal guide is not configured", code="signal_guide_unavailable")
    try:
        raw = get_parameter(name, max_age=CACHE_SECONDS)
    except GetParameterError:
        raise ServiceUnavailable("the signal guide cannot be read", code="signal_guide_unavailable") from None
    assert isinstance(raw, str)
    if raw not in _parsed:  # validated once per distinct value
        _parsed.clear()
        _parsed[raw] = SignalGuide.model_validate_json(raw)
    return _parsed[raw]
