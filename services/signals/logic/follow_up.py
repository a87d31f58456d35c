"""Closed-loop match follow-up (Jeugdwet 7.1.3.2): contact, one coordinator, and the municipality's view.

The follow-up of a match is done once one of its parties coordinates (taking or handing over coordination also
records the caller's contact: one cannot coordinate without having talked). Until then the sweeper chases it:
overdue at the region's deadline, escalated to the municipality at the second.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.expressions.update import Action

from services.shared import audit, clock
from services.shared.audit import AuditAction, AuditRecord
from services.shared.contracts.plans import PlanCoordinatorChanged
from services.shared.contracts.signals import CoordinatorAssigned, MatchContactRecorded, MatchFollowUpCompleted
from services.shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.shared.outbox import TransactionConflict, UnitOfWork
from services.shared.principal import Principal
from services.signals.dal import repository as repo
from services.signals.dal.tables import MatchItem, PartyItem
from services.signals.logic.read_signals import match_view, my_party, party_view
from services.signals.models.signals import FollowUpOutcome, FollowUpPage, FollowUpView, MatchView

SERVICE = "signals"
OPEN_STATES = ("open", "overdue")


def record_contact(principal: Principal, match_id: str) -> MatchView:
    match, parties, mine = my_party(principal, match_id)
    if mine.contact_made_at is None:
        now = clock.now()
        uow = repo.unit_of_work()
        uow.update(
            mine,
            [PartyItem.contact_made_at.set(now.isoformat())],
            condition=PartyItem.contact_made_at.does_not_exist() & PartyItem.left_at.does_not_exist(),
        )
        others = sorted({p.user_id for p in parties if p.left_at is None and p.user_id != principal.user_id})
        uow.publish(
            MatchContactRecorded(
                match_id=match_id, party_id=mine.party_id, recorded_by=principal.user_id, recipients=others
            )
        )
        uow.audit(_record(principal, "match.contact", AuditAction.UPDATE, mine.subject, match_id))
        _commit(uow)
        mine.contact_made_at = now.isoformat()
    return match_view(match, parties, mine)


def assign_coordinator(principal: Principal, match_id: str, party_id: str) -> MatchView:
    match, parties, mine = my_party(principal, match_id)
    if match.kind == "historical":
        raise Conflict("a historical match notice has no follow-up or coordinator", code="historical_match")
    chosen = next((p for p in parties if p.party_id == party_id and p.left_at is None), None)
    if chosen is None:
        raise Unprocessable(
            "party_id is not an active party of this match",
            details={"errors": [{"field": "party_id", "message": "not an active party of this match"}]},
        )
    now = clock.now()
    uow = repo.unit_of_work()
    actions: list[Action] = [
        MatchItem.coordinator_party_id.set(chosen.party_id),
        MatchItem.coordinator_user_id.set(chosen.user_id),
        MatchItem.coordinator_source.set("match"),
        MatchItem.version.add(1),
    ]
    completes = match.follow_up in OPEN_STATES
    if completes:
        actions += _complete_actions(match, "done", None, now)
    uow.update(match, actions, condition=MatchItem.version == match.version)
    if mine.contact_made_at is None:
        uow.update(mine, [PartyItem.contact_made_at.set(now.isoformat())], condition=PartyItem.left_at.does_not_exist())
        mine.contact_made_at = now.isoformat()
    active = sorted({p.user_id for p in parties if p.left_at is None})
    uow.publish(
        CoordinatorAssigned(
            match_id=match_id,
            kind=match.kind,  # type: ignore[arg-type]
            municipality=match.municipality,
            subject=chosen.subject,
            coordinator_party_id=chosen.party_id,
            coordinator_id=chosen.user_id,
            party_ids=active,
            party_organizations={p.user_id: p.organization for p in parties if p.left_at is None},
            assigned_by=principal.user_id,
            recipients=active,
        )
    )
    if completes:
        _publish_completed(uow, match, "coordination_agreed", now, active)
    uow.audit(_record(principal, "match.coordinator", AuditAction.UPDATE, chosen.subject, match_id))
    _commit(uow)
    match.coordinator_party_id, match.coordinator_source = chosen.party_id, "match"
    if completes:
        match.follow_up = "done"
    return match_view(match, parties, mine)


def _complete_actions(match: MatchItem, state: str, outcome: str | None, now: datetime) -> list[Action]:
    actions: list[Action] = [
        MatchItem.follow_up.set(state),
        MatchItem.completed_at.set(now.isoformat()),
        MatchItem.follow_up_key.set(repo.follow_up_key(match.municipality, state)),
        MatchItem.due_shard.remove(),
        MatchItem.due_at.remove(),
    ]
    if outcome:
        actions.append(MatchItem.outcome.set(outcome))
    return actions


def _publish_completed(uow: UnitOfWork, match: MatchItem, outcome: str, now: datetime, recipients: list[str]) -> None:
    within = match.follow_up_due is not None and now <= datetime.fromisoformat(match.follow_up_due)
    uow.publish(
        MatchFollowUpCompleted(
            match_id=match.match_id,
            municipality=match.municipality,
            outcome=outcome,
            within_deadline=within,
            recipients=recipients,
        )
    )
    repo.add_stat(uow, now, "follow_up", municipality=match.municipality, within_deadline=within)


def _own_municipality(principal: Principal, municipality: str | None) -> str:
    own = principal.municipality
    if own is None:
        raise Forbidden("your account is not linked to a municipality", code="no_municipality")
    if municipality is not None and municipality != own:
        raise Forbidden("you follow up matches of your own municipality only", code="other_municipality")
    return own


def list_follow_ups(
    principal: Principal, state: str, municipality: str | None, limit: int, cursor: str | None
) -> FollowUpPage:
    own = _own_municipality(principal, municipality)
    matches, nxt = repo.follow_ups(own, state, limit, cursor)
    views = []
    records = []
    for match in matches:
        _, parties = repo.match_with_parties(match.match_id)
        views.append(follow_up_view(match, parties))
        records += [
            _record(principal, "match.follow_up.read", AuditAction.READ, subject, match.match_id, basis=_BASIS)
            for subject in sorted({p.subject for p in parties})
        ]
    if records:
        audit.write_many(records)
    return FollowUpPage(items=views, next=nxt)


_BASIS = "Jeugdwet 7.1.3.2 (match follow-up by the municipality)"


def follow_up_view(match: MatchItem, parties: list[PartyItem]) -> FollowUpView:
    active = [p for p in parties if p.left_at is None]
    return FollowUpView(
        id=match.match_id,
        kind=match.kind,  # type: ignore[arg-type]
        created_at=datetime.fromisoformat(match.created_at),
        follow_up=match.follow_up,  # type: ignore[arg-type]
        follow_up_due=datetime.fromisoformat(match.follow_up_due) if match.follow_up_due else None,
        escalation_due=datetime.fromisoformat(match.escalation_due) if match.escalation_due else None,
        parties=[party_view(p, match) for p in active],
        contacts_made=sum(1 for p in active if p.contact_made_at),
        coordinator_assigned=match.coordinator_party_id is not None or match.coordinator_source == "plan",
        outcome=match.outcome,
        completed_at=datetime.fromisoformat(match.completed_at) if match.completed_at else None,
    )


def close_follow_up(principal: Principal, match_id: str, outcome: FollowUpOutcome) -> FollowUpView:
    match, parties = repo.match_with_parties(match_id)
    if match is None:
        raise NotFound("no such match", code="match_not_found")
    _own_municipality(principal, match.municipality)
    if match.follow_up in ("closed", "not_applicable"):
        raise Conflict(f"this match's follow-up is {match.follow_up.replace('_', ' ')}", code="follow_up_closed")
    now = clock.now()
    uow = repo.unit_of_work()
    was_open = match.follow_up in OPEN_STATES
    uow.update(
        match,
        [*_complete_actions(match, "closed", outcome.value, now), MatchItem.version.add(1)],
        condition=MatchItem.version == match.version,
    )
    if was_open:
        _publish_completed(uow, match, outcome.value, now, sorted({p.user_id for p in parties if p.left_at is None}))
    for subject in sorted({p.subject for p in parties}):
        uow.audit(_record(principal, "match.follow_up.close", AuditAction.UPDATE, subject, match_id, basis=_BASIS))
    _commit(uow)
    match.follow_up, match.outcome, match.completed_at = "closed", outcome.value, now.isoformat()
    return follow_up_view(match, parties)


def follow_plan_coordinator(change: PlanCoordinatorChanged, actor: Principal) -> bool:
    """Keep a match's coordinator in step with its family plan's; True when the match changed."""
    if change.match_id is None:
        return False
    match, parties = repo.match_with_parties(change.match_id)
    if match is None or match.kind == "historical":
        return False
    party = next((p for p in parties if p.user_id == change.coordinator_id and p.left_at is None), None)
    if party is not None and match.coordinator_party_id == party.party_id:
        return False
    now = clock.now()
    uow = repo.unit_of_work()
    actions: list[Action] = [
        MatchItem.coordinator_party_id.set(party.party_id) if party else MatchItem.coordinator_party_id.remove(),
        MatchItem.coordinator_user_id.set(change.coordinator_id),
        MatchItem.coordinator_source.set("plan"),
        MatchItem.version.add(1),
    ]
    completes = match.follow_up in OPEN_STATES
    if completes:
        actions += _complete_actions(match, "done", None, now)
    uow.update(match, actions, condition=MatchItem.version == match.version)
    if completes:
        _publish_completed(
            uow, match, "coordination_agreed", now, sorted({p.user_id for p in parties if p.left_at is None})
        )
    for subject in sorted({p.subject for p in parties}):
        uow.audit(
            _record(
                actor,
                "match.coordinator.plan",
                AuditAction.UPDATE,
                subject,
                change.match_id,
                basis="family plan coordinator changed",
            )
        )
    uow.commit()
    return True


def _record(
    principal: Principal, event: str, action: AuditAction, client: str, match_id: str, basis: str | None = None
) -> AuditRecord:
    return AuditRecord.by(
        principal,
        service=SERVICE,
        event=event,
        action=action,
        basis=basis or "Jeugdwet 7.1.2.3 (party to the match)",
        client=client,
        objects=(f"match:{match_id}",),
    )


def _commit(uow: UnitOfWork) -> None:
    try:
        uow.commit()
    except TransactionConflict:
        raise Conflict("the match changed at the same moment; nothing was done, please try again") from None
