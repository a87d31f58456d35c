"""Registering a signal (Jeugdwet 7.1.4) and the matches it makes (7.1.2.3), race-free.

Read the signal's keys, decide, then write everything in one transaction that is conditional on every key's
version as read. If another registration or removal touched one of the keys in between, the transaction is
cancelled and we read again and decide again: two signals on one youth at the same moment make one match.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from services.shared import clock, pseudonym
from services.shared.audit import AuditAction, AuditRecord
from services.shared.contracts.signals import HistoricalMatchFound, MatchFound, MatchPartyAdded, SignalRegistered
from services.shared.errors import Conflict, Forbidden, Unprocessable
from services.shared.outbox import TransactionConflict, UnitOfWork
from services.shared.principal import Principal
from services.shared.region import RegionConfig
from services.shared.region_config import region_config
from services.signals.dal import repository as repo
from services.signals.dal.tables import DUE_SHARD, MatchItem, SignalItem
from services.signals.logic import retention
from services.signals.logic.calendar import working_day_deadline
from services.signals.logic.matching import Decisions, KeyKind, KeyState, MatchDecision, MatchKey, Party, decide
from services.signals.models.signals import Address, NewSignal, Registered

SERVICE = "signals"
ATTEMPTS = 4


def new_signal_id() -> str:
    return f"sig-{uuid.uuid4().hex}"


def new_match_id() -> str:
    return f"mat-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Identity:
    """The youth, the parents and the address as pseudonyms, and the encrypted copy for the signaller."""

    subject: str
    keys: tuple[MatchKey, ...]
    ciphertext: str


def normalise_address(address: Address) -> str:
    addition = (address.addition or "").replace(" ", "").replace("-", "").upper()
    return f"{address.postcode.replace(' ', '').upper()}|{address.house_number}|{addition}"


def is_excluded(config: RegionConfig, address: Address) -> bool:
    wanted = normalise_address(address)
    return any(
        normalise_address(Address(postcode=e.postcode, house_number=e.house_number, addition=e.addition)) == wanted
        for e in config.excluded_addresses
    )


def identify(request: NewSignal, signal_id: str, config: RegionConfig) -> Identity:
    """Keyed HMAC pseudonyms for matching (no raw BSN at rest) and one KMS-encrypted copy of the identity."""
    if request.bsn is not None:
        subject = pseudonym.pseudonymize(request.bsn, purpose="bsn")
        plaintext = request.bsn
    else:
        assert request.no_bsn is not None
        no_bsn = request.no_bsn
        # 7.1.4.3 a: family name, date of birth and sex stand in for the BSN, converted to one number.
        name = " ".join(no_bsn.family_name.casefold().split())
        subject = pseudonym.pseudonymize(f"{name}|{no_bsn.birth_date.isoformat()}|{no_bsn.sex.value}", purpose="no-bsn")
        plaintext = no_bsn.model_dump_json()
    keys = [MatchKey(KeyKind.YOUTH, subject)]
    keys += [MatchKey(KeyKind.FAMILY, pseudonym.pseudonymize(p, purpose="bsn")) for p in request.parent_bsns]
    if request.address is not None and not is_excluded(config, request.address):
        keys.append(
            MatchKey(KeyKind.ADDRESS, pseudonym.pseudonymize(normalise_address(request.address), purpose="address"))
        )
    ciphertext = pseudonym.encrypt(plaintext, context={"purpose": "signal-identity", "signal": signal_id})
    return Identity(subject=subject, keys=tuple(keys), ciphertext=ciphertext)


def signaller(principal: Principal, request: NewSignal, config: RegionConfig) -> Party:
    """Who signals, checked against the law (7.1.1-7.1.7): a professional of a designated organisation with a
    written agreement with the youth's municipality."""
    if config.municipality(request.municipality) is None:
        raise Unprocessable(
            f"municipality {request.municipality} is not in this region",
            details={"errors": [{"field": "municipality", "message": "not a municipality of this region"}]},
        )
    organisation = config.organisation(principal.organization or "")
    if organisation is None:
        raise Forbidden(
            "your organisation is not a signalling organisation in this region", code="no_signalling_agreement"
        )
    if request.municipality not in organisation.signalling_agreements:
        raise Forbidden(
            f"{organisation.name} has no signalling agreement with municipality {request.municipality}",
            code="no_signalling_agreement",
            details={"organization": organisation.id, "municipality": request.municipality},
        )
    if not principal.name or not (principal.email or principal.phone):
        raise Forbidden(
            "your account lacks the name and e-mail or phone a signal must hold (ask your administrator)",
            code="contact_details_missing",
        )
    coordinator = organisation.coordinator
    return Party(
        signal_id="",
        subject="",
        user_id=principal.user_id,
        name=principal.name,
        email=principal.email,
        phone=principal.phone,
        organization=organisation.id,
        organization_name=organisation.name,
        coordinator_name=coordinator.name if coordinator else None,
        coordinator_email=coordinator.email if coordinator else None,
        coordinator_phone=coordinator.phone if coordinator else None,
    )


def register_signal(principal: Principal, request: NewSignal) -> Registered:
    config = region_config()
    contact = signaller(principal, request, config)
    now = clock.now()
    today = retention.local_date(now)  # ages and "in the future" count on the Dutch calendar, not UTC's
    if retention.is_too_old(request.birth_date, today):
        raise Unprocessable(
            "a signal can only be made on a youth younger than 23 (Jeugdwet 7.1.4.5)",
            details={"errors": [{"field": "birth_date", "message": "the youth is 23 or older"}]},
        )
    if request.birth_date > today:
        raise Unprocessable(
            "the date of birth lies in the future",
            details={"errors": [{"field": "birth_date", "message": "in the future"}]},
        )
    signal_id = new_signal_id()
    identity = identify(request, signal_id, config)
    new = replace(contact, signal_id=signal_id, subject=identity.subject)
    for attempt in range(1, ATTEMPTS + 1):
        states = repo.read_keys(list(identity.keys))
        existing = next(
            (p.signal_id for s in states if s.key.kind is KeyKind.YOUTH for p in s.active if p.user_id == new.user_id),
            None,
        )
        if existing is not None:
            raise Conflict(
                "you already have an active signal on this youth",
                code="signal_exists",
                details={"signal_id": existing, "href": f"/signals/{existing}"},
            )
        decisions = decide(states, new, new_match_id)
        try:
            return _commit(principal, request, new, identity, states, decisions, now)
        except TransactionConflict:
            if attempt == ATTEMPTS:
                raise Conflict(
                    "this youth's signals changed while yours was being registered; please try again",
                    code="concurrent_registration",
                ) from None
    raise AssertionError("unreachable")


def _commit(
    principal: Principal,
    request: NewSignal,
    new: Party,
    identity: Identity,
    states: list[KeyState],
    decisions: Decisions,
    now: datetime,
) -> Registered:
    config = region_config()
    removal_due, cause = retention.removal_due(now, request.birth_date)
    reviews = retention.review_moments(now, removal_due)
    first_due = reviews[0][1] if reviews else removal_due
    follow_up_due = working_day_deadline(now, config.match_follow_up.deadline_working_days)
    escalation_due = working_day_deadline(
        follow_up_due - timedelta(microseconds=1), config.match_follow_up.escalation_working_days
    )
    uow = repo.unit_of_work()
    signal = SignalItem(
        repo.signal_key(new.signal_id),
        "SIGNAL",
        signal_id=new.signal_id,
        status="active",
        subject=identity.subject,
        identity=identity.ciphertext,
        has_bsn=request.bsn is not None,
        birth_date=request.birth_date.isoformat(),
        municipality=request.municipality,
        match_keys=[k.key for k in identity.keys],
        registered_at=now.isoformat(),
        removal_due=removal_due.isoformat(),
        removal_cause=cause,
        next_review=reviews[0][0] if reviews else None,
        owner=f"SIGNALLER#{new.user_id}",
        owner_sort=f"{now.isoformat()}#{new.signal_id}",
        due_shard=DUE_SHARD,
        due_at=repo.due(first_due, repo.signal_key(new.signal_id)),
        match_ids=[d.match_id for d in decisions.matches],
        **_contact_fields(new),
    )
    historical_id = new_match_id() if decisions.historical else None
    if historical_id:
        signal.match_ids = [*signal.match_ids, historical_id]
    uow.save(signal, condition=SignalItem.pk.does_not_exist())
    for state in states:
        repo.add_head(uow, state, decisions.heads.get(state.key))
        repo.add_entry(uow, state.key, new, request.municipality)
    uow.publish(
        SignalRegistered(
            signal_id=new.signal_id,
            municipality=request.municipality,
            organization=new.organization,
            signaller_id=new.user_id,
            removal_due=removal_due,
        )
    )
    organisation = config.organisation(new.organization)
    repo.add_stat(
        uow,
        now,
        "signal",
        municipality=request.municipality,
        domain=organisation.domain.value if organisation else None,
    )
    joined: dict[str, list[str]] = {}  # existing signal -> the matches it is now also a party to
    for decision in decisions.matches:
        _add_match(
            uow, decision, new, request.municipality, now, follow_up_due, escalation_due, identity.subject, joined
        )
    if historical_id:
        _add_historical(uow, historical_id, new, decisions.historical, identity, request.municipality, now, joined)
    for signal_id, match_ids in joined.items():  # one write per item: a transaction touches an item once
        repo.add_matches_to_signal(uow, signal_id, match_ids)
    uow.audit(
        AuditRecord.by(
            principal,
            service=SERVICE,
            event="signal.register",
            action=AuditAction.CREATE,
            basis="Jeugdwet 7.1.4.1 (authorised signaller)",
            client=identity.subject,
            objects=(f"signal:{new.signal_id}", *(f"match:{d.match_id}" for d in decisions.matches)),
        )
    )
    uow.commit()
    youth = next((d.match_id for d in decisions.matches if d.key.kind is KeyKind.YOUTH), None)
    return Registered(
        id=new.signal_id,
        status="active",
        registered_at=now,
        removal_due=removal_due,
        match_id=youth,
        match_ids=[d.match_id for d in decisions.matches],
        historical_match_id=historical_id,
    )


def _contact_fields(party: Party) -> dict[str, Any]:
    return {
        "user_id": party.user_id,
        "name": party.name,
        "email": party.email,
        "phone": party.phone,
        "organization": party.organization,
        "organization_name": party.organization_name,
        "coordinator_name": party.coordinator_name,
        "coordinator_email": party.coordinator_email,
        "coordinator_phone": party.coordinator_phone,
    }


def _add_match(
    uow: UnitOfWork,
    decision: MatchDecision,
    new: Party,
    municipality: str,
    now: datetime,
    follow_up_due: datetime,
    escalation_due: datetime,
    subject: str,
    joined: dict[str, list[str]],
) -> None:
    kind = decision.key.kind.value
    recipients = sorted({p.user_id for p in decision.existing} | {new.user_id})
    uow.save(repo.new_party(decision.match_id, new, now))
    if decision.forms:
        match = MatchItem(
            repo.match_key(decision.match_id),
            "MATCH",
            match_id=decision.match_id,
            kind=kind,
            key=decision.key.key,
            subject=subject if decision.key.kind is KeyKind.YOUTH else None,
            municipality=municipality,
            created_at=now.isoformat(),
            follow_up="open",
            follow_up_due=follow_up_due.isoformat(),
            escalation_due=escalation_due.isoformat(),
            version=0,
            follow_up_key=repo.follow_up_key(municipality, "open"),
            follow_up_sort=f"{now.isoformat()}#{decision.match_id}",
            due_shard=DUE_SHARD,
            due_at=repo.due(follow_up_due, repo.match_key(decision.match_id)),
        )
        uow.save(match, condition=MatchItem.pk.does_not_exist())
        for party in decision.existing:
            uow.save(repo.new_party(decision.match_id, party, now))
            joined.setdefault(party.signal_id, []).append(decision.match_id)
        repo.add_stat(uow, now, "match", municipality=municipality, kind=kind)
        uow.publish(
            MatchFound(
                match_id=decision.match_id,
                kind=kind,  # type: ignore[arg-type]
                municipality=municipality,
                signal_ids=sorted([new.signal_id, *(p.signal_id for p in decision.existing)]),
                recipients=recipients,
            )
        )
    else:
        match = MatchItem(repo.match_key(decision.match_id), "MATCH")
        uow.update(match, [MatchItem.version.add(1)], condition=MatchItem.pk.exists())
        uow.publish(
            MatchPartyAdded(
                match_id=decision.match_id,
                kind=kind,  # type: ignore[arg-type]
                municipality=municipality,
                signal_id=new.signal_id,
                recipients=recipients,
            )
        )
    uow.audit(
        AuditRecord.by(
            Principal.for_system("signals-matching", region_config().name),
            service=SERVICE,
            event="match.notice",
            action=AuditAction.TRANSFER,
            basis="Jeugdwet 7.1.2.3 (match notice)",
            client=subject,
            objects=(f"match:{decision.match_id}", *(f"user:{u}" for u in recipients)),
        )
    )


def _add_historical(
    uow: UnitOfWork,
    match_id: str,
    new: Party,
    archived: tuple[Party, ...],
    identity: Identity,
    municipality: str,
    now: datetime,
    joined: dict[str, list[str]],
) -> None:
    youth_key = identity.keys[0].key
    uow.save(
        MatchItem(
            repo.match_key(match_id),
            "MATCH",
            match_id=match_id,
            kind="historical",
            key=youth_key,
            subject=identity.subject,
            municipality=municipality,
            created_at=now.isoformat(),
            follow_up="not_applicable",
            version=0,
        ),
        condition=MatchItem.pk.does_not_exist(),
    )
    uow.save(repo.new_party(match_id, new, now))
    for party in archived:
        old = repo.new_party(match_id, party, now)
        old.owner = old.owner_sort = None  # an archived signaller is not told again and does not list it
        old.left_at = now.isoformat()
        uow.save(old)
        repo.mark_archived_notified(uow, youth_key, party.signal_id)
        joined.setdefault(party.signal_id, []).append(match_id)
    uow.publish(HistoricalMatchFound(match_id=match_id, signal_id=new.signal_id, recipients=[new.user_id]))
    uow.audit(
        AuditRecord.by(
            Principal.for_system("signals-matching", region_config().name),
            service=SERVICE,
            event="match.notice",
            action=AuditAction.TRANSFER,
            basis="Jeugdwet 7.1.4.6 (historical match notice)",
            client=identity.subject,
            objects=(f"match:{match_id}", f"user:{new.user_id}"),
        )
    )
