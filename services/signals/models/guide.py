"""The signal guide (decision support): the region's question set, and the requests and answers of its API.

The guide is region data (``signal_guide:`` in ``infra/regions/<region>.yaml``), validated at synth time with
``SignalGuide`` and published as its own SSM parameter. It asks questions grouped by the five life domains,
each mapped to the legal grounds of Jeugdwet 7.1.4.1 (a-l), and holds per kind of organisation when that
organisation signals. It advises; the professional decides.

Nothing a professional answers is stored: ``AdviceRequest`` takes only question ids and yes/no/unknown, and
forbids every other field, so no free text about a youth can be sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.shared.region import SIGNALLING_DOMAINS, OrganisationDomain

# Jeugdwet 7.1.4.1: the twelve grounds on which a professional may signal, a to l.
GroundCode = Literal["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]
GROUND_CODES: tuple[GroundCode, ...] = get_args(GroundCode)
QuestionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,39}$", description="e.g. 'truancy'")]
GuideVersion = Annotated[str, Field(pattern=r"^\d{4}\.\d{1,3}$", description="e.g. '2026.1'")]
MAX_QUESTIONS = 60  # a guide is meant to be answered in a few minutes; also bounds every request


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class _View(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, like _Strict


class Text(_Strict):
    """A text in Dutch and English (the guide is bilingual in every region)."""

    nl: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)


class Ground(_Strict):
    """One ground of Jeugdwet 7.1.4.1, by its letter, with a short title."""

    code: GroundCode
    title: Text


class LifeDomain(StrEnum):
    """The five life domains (leefgebieden) the questions are grouped by."""

    MATERIAL_CIRCUMSTANCES = "material_circumstances"  # money, housing
    HEALTH = "health"
    UPBRINGING_AND_FAMILY = "upbringing_and_family"
    SCHOOL_AND_WORK = "school_and_work"
    SOCIAL_ENVIRONMENT = "social_environment"


LIFE_DOMAIN_TITLES: dict[LifeDomain, Text] = {
    LifeDomain.MATERIAL_CIRCUMSTANCES: Text(
        nl="Materiële omstandigheden (geld, wonen)", en="Material circumstances (money, housing)"
    ),
    LifeDomain.HEALTH: Text(nl="Gezondheid", en="Health"),
    LifeDomain.UPBRINGING_AND_FAMILY: Text(nl="Opvoeding en gezinsrelaties", en="Upbringing and family relations"),
    LifeDomain.SCHOOL_AND_WORK: Text(nl="School en werk", en="School and work"),
    LifeDomain.SOCIAL_ENVIRONMENT: Text(nl="Sociale omgeving", en="Social environment"),
}

Weight = Literal["strong", "normal"]


class Question(_Strict):
    """A yes/no/unknown question in one life domain, pointing at one or more grounds."""

    id: QuestionId
    domain: LifeDomain
    text: Text
    grounds: list[GroundCode] = Field(min_length=1, max_length=len(GROUND_CODES))
    weight: Weight = Field(default="normal", description="'strong': a yes on its own advises a signal")

    @field_validator("grounds")
    @classmethod
    def _each_ground_once(cls, grounds: list[GroundCode]) -> list[GroundCode]:
        if twice := _duplicates(grounds):
            raise ValueError(f"ground {twice} is listed twice")
        return sorted(grounds)


class OrganisationProfile(_Strict):
    """When a kind of organisation signals: directly on some grounds; for the others, possibly after consulting.

    E.g. education signals directly on truancy and early school-leaving (e) and consults its coordinator
    first for every other ground.
    """

    domain: OrganisationDomain
    signals_directly: list[GroundCode] = Field(
        default_factory=list, description="grounds on which a yes is reason enough to signal"
    )
    consults_first: bool = Field(
        description="for the other grounds, consult a colleague or the coordinator before signalling"
    )

    @field_validator("domain")
    @classmethod
    def _a_signalling_domain(cls, domain: OrganisationDomain) -> OrganisationDomain:
        if domain not in SIGNALLING_DOMAINS:
            raise ValueError(f"{domain.value!r} does not signal (Besluit Jeugdwet 7.1.1-7.1.7), so it has no profile")
        return domain

    @field_validator("signals_directly")
    @classmethod
    def _each_ground_once(cls, grounds: list[GroundCode]) -> list[GroundCode]:
        if twice := _duplicates(grounds):
            raise ValueError(f"ground {twice} is listed twice")
        return sorted(grounds)


class SignalGuide(_Strict):
    """A region's signal guide: the 12 grounds, the questions per life domain, a profile per signalling domain."""

    version: GuideVersion
    grounds: list[Ground] = Field(description="the twelve grounds, a to l, each once")
    questions: list[Question] = Field(min_length=len(LifeDomain), max_length=MAX_QUESTIONS)
    profiles: list[OrganisationProfile]

    @field_validator("grounds")
    @classmethod
    def _the_twelve_grounds(cls, grounds: list[Ground]) -> list[Ground]:
        codes = [g.code for g in grounds]
        if twice := _duplicates(codes):
            raise ValueError(f"ground {twice} is listed twice")
        if missing := sorted(set(GROUND_CODES) - set(codes)):
            raise ValueError(f"ground {missing} is missing; the guide lists all twelve (a-l)")
        return sorted(grounds, key=lambda g: g.code)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if twice := _duplicates([q.id for q in self.questions]):
            raise ValueError(f"questions: id {twice} is listed twice")
        covered = {code for q in self.questions for code in q.grounds}
        if uncovered := sorted(set(GROUND_CODES) - covered):
            raise ValueError(f"questions: no question asks about ground {uncovered}")
        if empty := sorted(d.value for d in set(LifeDomain) - {q.domain for q in self.questions}):
            raise ValueError(f"questions: no question in life domain {empty}")
        if twice := _duplicates([p.domain.value for p in self.profiles]):
            raise ValueError(f"profiles: domain {twice} has more than one profile")
        if missing := sorted(d.value for d in SIGNALLING_DOMAINS - {p.domain for p in self.profiles}):
            raise ValueError(f"profiles: no profile for signalling domain {missing}")
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def ground(self, code: GroundCode) -> Ground:
        return next(g for g in self.grounds if g.code == code)

    def profile(self, domain: OrganisationDomain | None) -> OrganisationProfile | None:
        """The profile of organisations in ``domain``; none for a domain that does not signal (or no domain)."""
        return next((p for p in self.profiles if p.domain == domain), None)


# -- the API --------------------------------------------------------------------------------------------------


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class AdviceKind(StrEnum):
    SIGNAL = "signal"
    CONSULT = "consult"  # a colleague or the organisation's coordinator first
    NO_SIGNAL = "no_signal"


class DomainView(_View):
    domain: LifeDomain
    title: Text
    questions: list[Question]


class GuideView(_View):
    """``GET /signals/guide``: the question set by life domain, and the caller's organisation profile."""

    version: str
    grounds: list[Ground]
    domains: list[DomainView]
    organisation_profile: OrganisationProfile | None = Field(
        description="the profile of the caller's kind of organisation; null if it has none"
    )

    @classmethod
    def of(cls, guide: SignalGuide, profile: OrganisationProfile | None) -> GuideView:
        return cls(
            version=guide.version,
            grounds=guide.grounds,
            domains=[
                DomainView(
                    domain=domain,
                    title=LIFE_DOMAIN_TITLES[domain],
                    questions=[q for q in guide.questions if q.domain is domain],
                )
                for domain in LifeDomain
            ],
            organisation_profile=profile,
        )


class AdviceRequest(_Strict):
    """``POST /signals/guide/advice``: the version of the guide that was answered, and the answers by question id.

    Only ids and yes/no/unknown: there is no field for a name, a BSN or a note.
    """

    version: GuideVersion
    answers: dict[QuestionId, Answer] = Field(min_length=1, max_length=MAX_QUESTIONS)


class Explanation(BaseModel):
    """Why the advice is what it is, in Dutch and English: fixed sentences and the guide's ground titles."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    nl: str
    en: str


class AdviceView(_View):
    advice: AdviceKind
    grounds: list[GroundCode] = Field(description="the grounds of the questions answered 'yes', sorted")
    explanation: Explanation
    version: str
