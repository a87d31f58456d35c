"""A professional reads their own signals and the matches they are party to. Every read is audited first."""

from __future__ import annotations

from datetime import date, datetime

from services.shared import audit, pseudonym
from services.shared.audit import AuditAction, AuditRecord
from services.shared.bsn import mask_bsn
from services.shared.errors import NotFound
from services.shared.principal import Principal
from services.signals.dal import repository as repo
from services.signals.dal.tables import MatchItem, PartyItem, SignalItem
from services.signals.models.signals import (
    Contact,
    MatchPage,
    MatchView,
    NoBsn,
    PartyView,
    SignalPage,
    SignalSummary,
    SignalView,
)

SERVICE = "signals"
BASIS = "Jeugdwet 7.1.4 (own signal)"


def own_signal(principal: Principal, signal_id: str) -> SignalItem:
    """The caller's own active signal; another's, an archived or an unknown one is 404 alike (no oracle)."""
    signal = repo.get_signal(signal_id)
    if signal is None or signal.user_id != principal.user_id or signal.status != "active":
        raise NotFound("no such signal of yours", code="signal_not_found")
    return signal


def get_signal(principal: Principal, signal_id: str) -> SignalView:
    signal = own_signal(principal, signal_id)
    audit.write(
        AuditRecord.by(
            principal,
            service=SERVICE,
            event="signal.read",
            action=AuditAction.READ,
            basis=BASIS,
            client=signal.subject,
            objects=(f"signal:{signal_id}",),
        )
    )
    plaintext = pseudonym.decrypt(
        signal.identity or "", context={"purpose": "signal-identity", "signal": signal.signal_id}
    )
    return SignalView(
        id=signal.signal_id,
        status="active",
        registered_at=datetime.fromisoformat(signal.registered_at),
        removal_due=datetime.fromisoformat(signal.removal_due),
        birth_date=date.fromisoformat(signal.birth_date),
        municipality=signal.municipality,
        match_ids=list(signal.match_ids or []),
        bsn=mask_bsn(plaintext) if signal.has_bsn else None,
        no_bsn=None if signal.has_bsn else NoBsn.model_validate_json(plaintext),
    )


def list_signals(principal: Principal, limit: int, cursor: str | None) -> SignalPage:
    items, nxt = repo.signals_of(principal.user_id, limit, cursor)
    _audit_reads(principal, "signal.list", [(s.subject, f"signal:{s.signal_id}") for s in items])
    return SignalPage(
        items=[
            SignalSummary(
                id=s.signal_id,
                status="active",
                registered_at=datetime.fromisoformat(s.registered_at),
                removal_due=datetime.fromisoformat(s.removal_due),
                birth_date=date.fromisoformat(s.birth_date),
                municipality=s.municipality,
            )
            for s in items
        ],
        next=nxt,
    )


def _audit_reads(principal: Principal, event: str, touched: list[tuple[str, str]]) -> None:
    """One record per person whose data the read showed (NEN 7513: the client is the person)."""
    by_client: dict[str, list[str]] = {}
    for client, obj in touched:
        by_client.setdefault(client, []).append(obj)
    records = [
        AuditRecord.by(
            principal,
            service=SERVICE,
            event=event,
            action=AuditAction.READ,
            basis=BASIS,
            client=client,
            objects=tuple(objects),
        )
        for client, objects in by_client.items()
    ]
    if records:
        audit.write_many(records)


def contact_of(party: PartyItem) -> Contact:
    return Contact(
        name=party.name,
        organization=party.organization,
        organization_name=party.organization_name,
        email=party.email,
        phone=party.phone,
    )


def party_view(party: PartyItem, match: MatchItem) -> PartyView:
    coordinator = None
    if party.coordinator_name:
        coordinator = Contact(
            name=party.coordinator_name,
            organization=party.organization,
            organization_name=party.organization_name,
            email=party.coordinator_email,
            phone=party.coordinator_phone,
        )
    return PartyView(
        party_id=party.party_id,
        contact=contact_of(party),
        organisation_coordinator=coordinator,
        contact_made=party.contact_made_at is not None,
        is_coordinator=match.coordinator_party_id == party.party_id,
    )


def match_view(match: MatchItem, parties: list[PartyItem], mine: PartyItem) -> MatchView:
    # A historical notice shows the archived signaller too (that is its point, 7.1.4.6); other matches only
    # the parties whose signals are still active.
    visible = [p for p in parties if p.left_at is None or match.kind == "historical"]
    coordinator = next((p for p in parties if p.party_id == match.coordinator_party_id), None)
    return MatchView(
        id=match.match_id,
        kind=match.kind,  # type: ignore[arg-type]
        created_at=datetime.fromisoformat(match.created_at),
        municipality=match.municipality,
        my_party_id=mine.party_id,
        contact_made=mine.contact_made_at is not None,
        others=[party_view(p, match) for p in visible if p.party_id != mine.party_id],
        coordinator=party_view(coordinator, match) if coordinator else None,
        coordinator_outside_match=match.coordinator_source == "plan" and coordinator is None,
        follow_up=match.follow_up,  # type: ignore[arg-type]
        follow_up_due=datetime.fromisoformat(match.follow_up_due) if match.follow_up_due else None,
    )


def list_matches(principal: Principal, limit: int, cursor: str | None) -> MatchPage:
    mine, nxt = repo.parties_of(principal.user_id, limit, cursor)
    views: list[MatchView] = []
    touched: list[tuple[str, str]] = []
    for party in mine:
        match, parties = repo.match_with_parties(party.match_id)
        if match is None:
            continue
        views.append(match_view(match, parties, party))
        touched += [(p.subject, f"match:{match.match_id}") for p in parties]
    _audit_reads(principal, "match.list", touched)
    return MatchPage(items=views, next=nxt)


def my_party(principal: Principal, match_id: str) -> tuple[MatchItem, list[PartyItem], PartyItem]:
    """The match and the caller's active party in it; not a party (or no such match): 404 alike."""
    match, parties = repo.match_with_parties(match_id)
    mine = next((p for p in parties if p.user_id == principal.user_id and p.left_at is None), None)
    if match is None or mine is None:
        raise NotFound("no such match of yours", code="match_not_found")
    return match, parties, mine
