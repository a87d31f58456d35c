"""The sweeper's work: review prompts, expiry, the end of the archive, and overdue match follow-up.

Every deadline is a ``due_at`` on the sparse ``by_due`` index. Each item is handled in its own transaction,
conditional on the deadline it was found with, so a deadline is acted on exactly once even if two sweeps
overlap.
"""

from __future__ import annotations

from datetime import datetime

from services.shared.audit import AuditAction, AuditRecord
from services.shared.contracts.signals import MatchFollowUpOverdue, SignalReviewDue
from services.shared.outbox import TransactionConflict
from services.shared.principal import Principal
from services.shared.region_config import region_config
from services.signals.dal import repository as repo
from services.signals.dal.tables import MatchItem, SignalItem, SignalsItem
from services.signals.logic import retention
from services.signals.logic.remove_signal import expire, purge_archived

COMPONENT = "signals-sweeper"


def sweep(now: datetime) -> dict[str, int]:
    actor = Principal.for_system(COMPONENT, region_config().name)
    counts = {"reviews": 0, "expired": 0, "purged": 0, "overdue": 0, "escalated": 0, "conflicts": 0}
    for item in list(repo.due_items(now)):
        try:
            outcome = _handle(item, now, actor)
        except TransactionConflict:
            outcome = "conflicts"  # another writer changed the item first; the next sweep sees its new deadline
        if outcome:
            counts[outcome] += 1
    return counts


def _handle(item: SignalsItem, now: datetime, actor: Principal) -> str | None:
    if isinstance(item, SignalItem):
        if item.status == "archived":
            purge_archived(item, actor, event="signal.purge", basis="Jeugdwet 7.1.4.6 (end of the archive term)")
            return "purged"
        if now >= datetime.fromisoformat(item.removal_due):
            expire(item, now, actor)
            return "expired"
        return _review(item, actor)
    if isinstance(item, MatchItem):
        return _overdue(item, now)
    return None


def _review(signal: SignalItem, actor: Principal) -> str:
    """6, 12 and 18 months after registration: 'is the risk still there?' to the signaller."""
    registered = datetime.fromisoformat(signal.registered_at)
    removal_due = datetime.fromisoformat(signal.removal_due)
    moments = retention.review_moments(registered, removal_due)
    months = int(signal.next_review or 0)
    later = [(m, at) for m, at in moments if m > months]
    next_due = later[0][1] if later else removal_due
    uow = repo.unit_of_work()
    uow.update(
        signal,
        [
            SignalItem.next_review.set(later[0][0]) if later else SignalItem.next_review.remove(),
            SignalItem.due_at.set(repo.due(next_due, repo.signal_key(signal.signal_id))),
        ],
        condition=(SignalItem.due_at == signal.due_at) & (SignalItem.status == "active"),
    )
    uow.publish(
        SignalReviewDue(
            signal_id=signal.signal_id,
            months=months,  # type: ignore[arg-type]
            removal_due=retention.local_date(datetime.fromisoformat(signal.removal_due)),
            recipients=[signal.user_id],
        )
    )
    uow.audit(
        AuditRecord.by(
            actor,
            service="signals",
            event="signal.review_due",
            action=AuditAction.READ,
            basis="Jeugdwet 7.1.4.5 (periodic review of the signal)",
            client=signal.subject,
            objects=(f"signal:{signal.signal_id}",),
        )
    )
    uow.commit()
    return "reviews"


def _overdue(match: MatchItem, now: datetime) -> str | None:
    _, parties = repo.match_with_parties(match.match_id)
    active = [p for p in parties if p.left_at is None]
    missing: list[str] = []
    if any(p.contact_made_at is None for p in active):
        missing.append("contact")
    if match.coordinator_party_id is None and match.coordinator_source != "plan":
        missing.append("coordination")
    escalating = match.follow_up == "overdue"
    uow = repo.unit_of_work()
    key = repo.match_key(match.match_id)
    if escalating:
        actions = [MatchItem.escalated.set(True), MatchItem.due_shard.remove(), MatchItem.due_at.remove()]
        due_at = match.escalation_due
        recipients: list[str] = []  # the second deadline goes to the municipality (notify_matchregie)
    else:
        actions = [
            MatchItem.follow_up.set("overdue"),
            MatchItem.follow_up_key.set(repo.follow_up_key(match.municipality, "overdue")),
            MatchItem.due_at.set(repo.due(match.escalation_due or match.follow_up_due or "", key)),
        ]
        due_at = match.follow_up_due
        recipients = sorted({p.user_id for p in active})
    uow.update(match, [*actions, MatchItem.version.add(1)], condition=MatchItem.due_at == match.due_at)
    uow.publish(
        MatchFollowUpOverdue(
            match_id=match.match_id,
            municipality=match.municipality,
            due_at=datetime.fromisoformat(due_at or now.isoformat()),
            missing=missing or ["coordination"],  # type: ignore[arg-type]
            escalated=escalating,
            recipients=recipients,
        )
    )
    uow.commit()
    return "escalated" if escalating else "overdue"
