"""The region as data: the model every service reads (from SSM) and the stack validates (from YAML).

Rules that the law fixes (two years for a signal, five for the archive, the 23rd birthday) live in code;
what a region chooses lives here.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CbsCode = Annotated[str, Field(pattern=r"^GM\d{4}$", description="CBS municipality code, e.g. GM0014")]
OrgId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
Phone = Annotated[str, Field(pattern=r"^\+\d{8,15}$", description="E.164 phone number")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", max_length=254)]
Postcode = Annotated[str, Field(pattern=r"^[1-9]\d{3}[A-Z]{2}$")]


class _Strict(BaseModel):
    # defer_build: the validators are built when a config is first read, so a function (or route) that never
    # reads the region config does not pay for them on a cold start.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Language(StrEnum):
    NL = "nl"
    EN = "en"


class OrganisationDomain(StrEnum):
    """The domains of Besluit Jeugdwet 7.1.1-7.1.7 (the first seven may be designated to signal)."""

    YOUTH_CARE = "youth_care"
    YOUTH_HEALTH_CARE = "youth_health_care"
    HEALTH_CARE = "health_care"
    EDUCATION = "education"
    SOCIAL_SUPPORT = "social_support"
    MUNICIPAL_CREDIT_BANK = "municipal_credit_bank"
    POLICE_JUSTICE = "police_justice"
    MUNICIPALITY = "municipality"


SIGNALLING_DOMAINS = frozenset(OrganisationDomain) - {OrganisationDomain.MUNICIPALITY}


class Contact(_Strict):
    name: str = Field(min_length=2, max_length=120)
    email: Email
    phone: Phone


class Municipality(_Strict):
    code: CbsCode
    name: str = Field(min_length=2, max_length=80)


class Organisation(_Strict):
    id: OrgId
    name: str = Field(min_length=2, max_length=120)
    domain: OrganisationDomain
    demo: bool = Field(default=False, description="a demonstration organisation, not a real party")
    signalling_agreements: list[CbsCode] = Field(
        default_factory=list, description="municipalities with which it has a written signalling agreement"
    )
    coordinator: Contact | None = Field(default=None, description="the organisation's internal coordinator")

    @model_validator(mode="after")
    def _only_designated_domains_signal(self) -> Self:
        if self.signalling_agreements and self.domain not in SIGNALLING_DOMAINS:
            raise ValueError(f"domain {self.domain.value!r} cannot have signalling agreements")
        return self


class MatchFollowUp(_Strict):
    deadline_working_days: int = Field(ge=1, le=60)
    escalation_working_days: int = Field(ge=1, le=60, description="after the deadline, until the municipality")


class ExcludedAddress(_Strict):
    postcode: Postcode
    house_number: int = Field(ge=1, le=99999)
    addition: str | None = Field(default=None, max_length=8)
    description: str = Field(min_length=2, max_length=120)


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class OpeningHours(_Strict):
    opens: time
    closes: time

    @model_validator(mode="after")
    def _opens_before_closes(self) -> Self:
        if self.opens >= self.closes:
            raise ValueError("opens must be before closes")
        return self


class OfficeHours(_Strict):
    timezone: str = "Europe/Amsterdam"
    days: dict[Weekday, OpeningHours]
    closed_on_public_holidays: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class ServiceLevel(_Strict):
    answer_within_seconds: int = Field(ge=5, le=3600)
    target_percent: float = Field(gt=0, le=100)


class ServiceLevels(_Strict):
    urgent: ServiceLevel
    normal: ServiceLevel
    max_wait_seconds: int = Field(ge=60, le=7200)
    max_over_wait_percent: float = Field(ge=0, le=100)


Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9@._+-]{1,128}$", description="a Cognito user name")]


class Team(_Strict):
    """Who of an organisation hears about its 24/7 contacts beyond the nurse answering them."""

    leads: list[Username] = Field(default_factory=list, description="told when a contact waits past the target")
    handover: list[Username] = Field(default_factory=list, description="receive the handovers of the organisation")


class Contact247(_Strict):
    office_hours: OfficeHours
    out_of_hours_partner: OrgId
    own_organisation: dict[CbsCode, OrgId] = Field(description="the JGZ organisation of each municipality")
    max_parallel_chats: int = Field(ge=1, le=10)
    service_levels: ServiceLevels
    offer_timeout_seconds: int = Field(default=30, ge=10, le=300, description="an offer not accepted goes on")
    presence_timeout_seconds: int = Field(default=90, ge=30, le=900, description="without a heartbeat: away")
    average_contact_minutes: int = Field(default=12, ge=1, le=120, description="for the expected wait")
    teams: dict[OrgId, Team] = Field(default_factory=dict)


class NotificationSenders(_Strict):
    email_from: Email
    sms_sender_id: str = Field(pattern=r"^[A-Za-z0-9]{3,11}$", description="alphanumeric SMS sender id")
    app_base_url: str = Field(pattern=r"^https://[^\s/]+(/[^\s]*)?$")


class Retention(_Strict):
    audit_log_years: int = Field(ge=5, le=30, description="NEN 7513 audit log")
    chat_transcript_days: int = Field(ge=1, le=365)
    inbox_days: int = Field(ge=7, le=730)


class RegionConfig(_Strict):
    """Everything a region chooses. Validated at synth time, published to SSM, read by the services."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,30}$")
    display_name: str = Field(min_length=2, max_length=80)
    languages: list[Language] = Field(min_length=1)
    municipalities: list[Municipality] = Field(min_length=1)
    organisations: list[Organisation] = Field(min_length=1)
    matchregie: dict[CbsCode, Contact] = Field(description="the match follow-up officer per municipality")
    match_follow_up: MatchFollowUp
    excluded_addresses: list[ExcludedAddress] = Field(default_factory=list)
    contact_247: Contact247
    notifications: NotificationSenders
    retention: Retention

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        codes = {m.code for m in self.municipalities}
        if len(codes) != len(self.municipalities):
            raise ValueError("municipalities: a CBS code is listed twice")
        org_ids = [o.id for o in self.organisations]
        if len(set(org_ids)) != len(org_ids):
            raise ValueError("organisations: an id is listed twice")
        for org in self.organisations:
            unknown = sorted(set(org.signalling_agreements) - codes)
            if unknown:
                raise ValueError(f"organisations[{org.id}].signalling_agreements: unknown municipality {unknown}")
        missing = sorted(codes - set(self.matchregie))
        if missing:
            raise ValueError(f"matchregie: no match follow-up officer for {missing}")
        extra = sorted(set(self.matchregie) - codes)
        if extra:
            raise ValueError(f"matchregie: unknown municipality {extra}")
        known_orgs = set(org_ids)
        if self.contact_247.out_of_hours_partner not in known_orgs:
            raise ValueError(
                f"contact_247.out_of_hours_partner: unknown organisation {self.contact_247.out_of_hours_partner!r}"
            )
        for code, org_id in self.contact_247.own_organisation.items():
            if code not in codes:
                raise ValueError(f"contact_247.own_organisation: unknown municipality {code!r}")
            if org_id not in known_orgs:
                raise ValueError(f"contact_247.own_organisation[{code}]: unknown organisation {org_id!r}")
        for org_id in self.contact_247.teams:
            if org_id not in known_orgs:
                raise ValueError(f"contact_247.teams: unknown organisation {org_id!r}")
        if Language.NL not in self.languages:
            raise ValueError("languages: Dutch (nl) must be offered")
        return self

    def organisation(self, org_id: str) -> Organisation | None:
        return next((o for o in self.organisations if o.id == org_id), None)

    def municipality(self, code: str) -> Municipality | None:
        return next((m for m in self.municipalities if m.code == code), None)
