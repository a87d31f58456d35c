"""The demo users of a region, picked from its region config by domain and role (never by hard-coded ids),
a few demo signals they registered, so the local host shows a match at once, and one family plan.

The usernames are fixed so docs and tests can rely on them; which organisation and municipality each one
belongs to comes from ``infra/regions/<region>.yaml``, so every region with demo organisations works. The demo
signals go through the signals service's own use case, on the region's main municipality; the demo plan goes
through the plans service's own use cases.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from infra.local.errors import LocalHostError
from services.shared.principal import Principal, Role
from services.shared.region import Municipality, Organisation, OrganisationDomain, RegionConfig

DEMO_PASSWORD = "Jeugdketen-demo-1"  # noqa: S105 - the documented password of the local demo users


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    roles: tuple[Role, ...]
    email: str
    phone: str
    region: str
    organisation: Organisation | None = None
    municipality: Municipality | None = None

    def attributes(self) -> list[dict[str, str]]:
        """Cognito user attributes: e-mail, phone (E.164), name, region and, where it applies, org/municipality."""
        attributes = {
            "email": self.email,
            "email_verified": "true",
            "phone_number": self.phone,
            "phone_number_verified": "true",
            "name": self.name,
            "custom:region": self.region,
        }
        if self.organisation:
            attributes["custom:organization"] = self.organisation.id
        if self.municipality:
            attributes["custom:municipality"] = self.municipality.code
        return [{"Name": k, "Value": v} for k, v in attributes.items()]

    def describe(self) -> str:
        """What the ready block says about the user: where they work or live."""
        parts = []
        if self.organisation:
            parts.append(f"{self.organisation.name} ({self.organisation.id})")
        if self.municipality:
            parts.append(f"{self.municipality.name} ({self.municipality.code})")
        return ", ".join(parts) or "the whole region"


def _demo_organisation(
    config: RegionConfig, domain: OrganisationDomain, user: str, *, signalling: bool = False
) -> Organisation:
    for organisation in config.organisations:
        if (
            organisation.demo
            and organisation.domain is domain
            and (organisation.signalling_agreements or not signalling)
        ):
            return organisation
    wanted = f"a demo organisation with domain {domain.value!r}" + (" and signalling agreements" if signalling else "")
    raise LocalHostError(f"region {config.name!r} has no {wanted}; the local host needs one for {user}")


def main_municipality(config: RegionConfig) -> Municipality:
    """The municipality most demo organisations have a signalling agreement with (ties: first in the file)."""
    counts = Counter(code for o in config.organisations if o.demo for code in o.signalling_agreements)
    return max(config.municipalities, key=lambda m: (counts[m.code], -config.municipalities.index(m)))


def demo_users(config: RegionConfig) -> list[DemoUser]:
    jgz = _demo_organisation(config, OrganisationDomain.YOUTH_HEALTH_CARE, "anna.jgz", signalling=True)
    school = _demo_organisation(config, OrganisationDomain.EDUCATION, "bram.school")
    wijkteam = _demo_organisation(config, OrganisationDomain.YOUTH_CARE, "carla.wijkteam")
    gemeente = _demo_organisation(config, OrganisationDomain.MUNICIPALITY, "dirk.gemeente")
    municipality = main_municipality(config)
    # The nurse answers for the main municipality's own JGZ organisation (24/7 contact), else the demo JGZ.
    own_jgz = config.organisation(config.contact_247.own_organisation.get(municipality.code, "")) or jgz
    night = config.organisation(config.contact_247.out_of_hours_partner)
    if night is None:  # RegionConfig already refuses this; kept for a clear message
        raise LocalHostError(f"region {config.name!r}: contact_247.out_of_hours_partner is not an organisation")

    def user(
        index: int,
        username: str,
        name: str,
        roles: tuple[Role, ...],
        organisation: Organisation | None = None,
        municipality_: Municipality | None = None,
        email: str | None = None,
    ) -> DemoUser:
        return DemoUser(
            username=username,
            name=name,
            roles=roles,
            email=email or f"{username}@{config.name}.demo.jeugdketen.nl",
            phone=f"+316{index:08d}",
            region=config.name,
            organisation=organisation,
            municipality=municipality_,
        )

    return [
        user(1, "anna.jgz", "Anna Jansen (DEMO)", (Role.PROFESSIONAL,), jgz),
        user(2, "bram.school", "Bram Bakker (DEMO)", (Role.PROFESSIONAL,), school),
        user(3, "carla.wijkteam", "Carla Visser (DEMO)", (Role.PROFESSIONAL,), wijkteam),
        # The municipality's match follow-up officer: his address is the region file's matchregie contact, which
        # is how the notifications service finds him in the directory (inbox and preferences, not only e-mail).
        user(
            4,
            "dirk.gemeente",
            "Dirk Smit (DEMO)",
            (Role.MATCHREGIE, Role.MUNICIPALITY),
            gemeente,
            municipality,
            email=config.matchregie[municipality.code].email,
        ),
        user(5, "eva.ouder", "Eva Mulder (DEMO)", (Role.PARENT,), None, municipality),
        user(6, "femke.jgz", "Femke de Boer (DEMO)", (Role.NURSE,), own_jgz),
        user(7, "gert.nacht", "Gert Bos (DEMO)", (Role.NURSE,), night),
        user(8, "hanna.admin", "Hanna Meijer (DEMO)", (Role.REGION_ADMIN,)),
    ]


def seed_users(cognito: Any, pool_id: str, users: list[DemoUser], password: str = DEMO_PASSWORD) -> None:
    """Create the users with a permanent password (no first-login change) and put them in their groups."""
    for demo in users:
        cognito.admin_create_user(
            UserPoolId=pool_id, Username=demo.username, UserAttributes=demo.attributes(), MessageAction="SUPPRESS"
        )
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=demo.username, Password=password, Permanent=True)
        for role in demo.roles:
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=demo.username, GroupName=role.value)


# -- demo signals -----------------------------------------------------------------------------------------------
# Test BSNs from the range the RvIG keeps for testing (999990000-999999999), passing the 11-proef.
DEMO_YOUTH_MATCHED = ("999990019", date(2014, 3, 12))
DEMO_YOUTH_SINGLE = ("999990032", date(2017, 9, 30))
DEMO_SIGNALS: tuple[tuple[str, tuple[str, date]], ...] = (
    ("anna.jgz", DEMO_YOUTH_MATCHED),
    ("bram.school", DEMO_YOUTH_MATCHED),
    ("carla.wijkteam", DEMO_YOUTH_SINGLE),
)
DEMO_SIGNALS_SUMMARY = "anna.jgz + bram.school on one youth (a match), carla.wijkteam on another"


def demo_principal(cognito: Any, pool_id: str, demo: DemoUser) -> Principal:
    """The principal the user's ID token would give: ``user_id`` is the Cognito ``sub``, contact details as seeded."""
    attributes = {
        a["Name"]: a["Value"]
        for a in cognito.admin_get_user(UserPoolId=pool_id, Username=demo.username)["UserAttributes"]
    }
    return Principal(
        user_id=attributes["sub"],
        username=demo.username,
        roles=frozenset(demo.roles),
        organization=demo.organisation.id if demo.organisation else None,
        municipality=demo.municipality.code if demo.municipality else None,
        region=demo.region,
        email=demo.email,
        phone=demo.phone,
        name=demo.name,
        application="infra.local seed",
    )


def seed_signals(cognito: Any, pool_id: str, users: list[DemoUser], config: RegionConfig) -> list[str]:
    """Register the demo signals through the signals service's own use case; returns their ids.

    Runs in the host process once the functions' environment and the travelling clock are in place (the use
    case reads its settings, the region config and the clock like any handler). A signal the user already has
    on the youth is left as it is, so seeding twice does no harm.
    """
    from services.shared import correlation
    from services.shared.errors import Conflict, DomainError
    from services.signals.logic.register_signal import register_signal
    from services.signals.models.signals import NewSignal

    by_name = {u.username: u for u in users}
    municipality = main_municipality(config).code
    registered = []
    for username, (bsn, birth_date) in DEMO_SIGNALS:
        principal = demo_principal(cognito, pool_id, by_name[username])
        correlation.clear()  # a fresh correlation id per registration, as per request
        try:
            result = register_signal(principal, NewSignal(bsn=bsn, birth_date=birth_date, municipality=municipality))
        except Conflict as conflict:
            if conflict.code != "signal_exists":
                raise LocalHostError(f"seeding the demo signal of {username} failed: {conflict.message}") from conflict
            registered.append(str(conflict.details["signal_id"]))  # seeded before: keep it
        except DomainError as refused:
            raise LocalHostError(
                f"region {config.name!r}: the demo signal of {username} on municipality {municipality} was refused: "
                f"{refused.message}"
            ) from refused
        else:
            registered.append(result.id)
    correlation.clear()
    return registered


# -- demo plan --------------------------------------------------------------------------------------------------
# eva.ouder's family: carla.wijkteam coordinates, anna.jgz is in the network and Eva consented to her organisation.
# The child's test BSN (RvIG test range, 11-proef) is the family key, so a second seed finds the plan (409).
DEMO_CHILD_BSN = "999990081"
DEMO_CHILD = ("Noor Mulder (DEMO)", date(2017, 4, 21))  # under 12: a parent with authority consents
DEMO_PLAN_SUMMARY = "eva.ouder's family, coordinated by carla.wijkteam; anna.jgz in the network with Eva's consent"


def seed_plan(cognito: Any, pool_id: str, users: list[DemoUser]) -> str:
    """Start the demo family plan and give Eva's consent through the plans service's own use cases; returns its id.

    Runs where ``seed_signals`` runs, for the same reasons. A plan the family has already is kept (the family key
    answers 409 with its id), and the consent is given only if it does not hold yet, so seeding twice does no harm.
    """
    from services.plans.logic import plans
    from services.plans.models.api import ConsentRequest, NewChild, NewNetworkMember, NewParent, NewPlan
    from services.shared import correlation
    from services.shared.errors import Conflict, DomainError

    by_name = {u.username: u for u in users}
    carla, eva, anna = (
        demo_principal(cognito, pool_id, by_name[name]) for name in ("carla.wijkteam", "eva.ouder", "anna.jgz")
    )
    if anna.organization is None:  # demo_users always gives her one; kept for a clear message
        raise LocalHostError("the demo plan needs anna.jgz in an organisation")
    child_name, birth_date = DEMO_CHILD
    request = NewPlan(
        children=[NewChild(display_name=child_name, birth_date=birth_date, bsn=DEMO_CHILD_BSN)],
        parents=[NewParent(display_name=eva.name or eva.username, authority=True, user_id=eva.user_id)],
        network=[
            NewNetworkMember(
                kind="professional", display_name=anna.name or anna.username, role="jeugdverpleegkundige",
                user_id=anna.user_id, organization=anna.organization,
            )
        ],
    )  # fmt: skip
    try:
        correlation.clear()  # a fresh correlation id per use case, as per request
        try:
            view, version = plans.start_plan(carla, request)
        except Conflict as conflict:
            if conflict.code != "plan_exists":
                raise
            view = plans.read_plan(eva, str(conflict.details["plan_id"]))  # seeded before: keep it
            version = view.version
        if not any(c.organization == anna.organization and c.in_force for c in view.consents or ()):
            correlation.clear()
            consent = plans.give_consent(ConsentRequest(organization=anna.organization))
            plans.change(eva, view.id, f'"{version}"', plans.IS_FAMILY, consent)
    except DomainError as refused:
        raise LocalHostError(f"seeding the demo plan failed: {refused.message}") from refused
    finally:
        correlation.clear()
    return view.id
