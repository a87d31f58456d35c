"""Ending a signal: withdrawal by its signaller, expiry by the sweeper, the end of the archive, and erasure.

Jeugdwet 7.1.4.5: a signal is removed when unjustified or when the risk is gone, and at the latest after two
years, at the 23rd birthday or at death. 7.1.4.6: removed because the risk is gone or after two years, it is
archived for five years (never past 23); unjustified or objected-to signals are not archived.
"""

from __future__ import annotations

from datetime import date, datetime

from services.shared import clock
from services.shared.audit import AuditAction, AuditRecord
from services.shared.contracts.signals import SignalExpired, SignalPurged, SignalWithdrawn
from services.shared.errors import Conflict
from services.shared.outbox import TransactionConflict, UnitOfWork
from services.shared.principal import Principal
from services.signals.dal import repository as repo
from services.signals.dal.tables import PartyItem, SignalItem
from services.signals.logic import retention
from services.signals.logic.read_signals import own_signal
from services.signals.models.signals import WithdrawalReason, Withdrawn

SERVICE = "signals"


def withdraw(principal: Principal, signal_id: str, reason: WithdrawalReason) -> Withdrawn:
    signal = own_signal(principal, signal_id)
    now = clock.now()
    archive_until = None
    if reason is WithdrawalReason.RISK_RESOLVED:
        archive_until = retention.archive_until(now, date.fromisoformat(signal.birth_date))
    uow = repo.unit_of_work()
    _end_active(uow, signal, now, archive_until)
    uow.publish(SignalWithdrawn(signal_id=signal_id, municipality=signal.municipality, archived=bool(archive_until)))
    if archive_until is None:
        uow.publish(SignalPurged(signal_id=signal_id, municipality=signal.municipality))
    uow.audit(
        AuditRecord.by(
            principal,
            service=SERVICE,
            event="signal.withdraw",
            action=AuditAction.UPDATE if archive_until else AuditAction.DELETE,
            basis="Jeugdwet 7.1.4.5 (withdrawal by the signaller)",
            client=signal.subject,
            objects=(f"signal:{signal_id}",),
        )
    )
    _commit(uow)
    return Withdrawn(id=signal_id, status="archived" if archive_until else "purged", archive_until=archive_until)


def expire(signal: SignalItem, now: datetime, actor: Principal) -> None:
    """The sweeper: the two-year limit archives (7.1.4.6), the 23rd birthday purges."""
    archive_until = None
    if signal.removal_cause == "two_years":
        archive_until = retention.archive_until(now, date.fromisoformat(signal.birth_date))
    uow = repo.unit_of_work()
    _end_active(uow, signal, now, archive_until)
    uow.publish(
        SignalExpired(
            signal_id=signal.signal_id,
            municipality=signal.municipality,
            cause=signal.removal_cause,  # type: ignore[arg-type]
            archived=bool(archive_until),
        )
    )
    if archive_until is None:
        uow.publish(SignalPurged(signal_id=signal.signal_id, municipality=signal.municipality))
    uow.audit(
        AuditRecord.by(
            actor,
            service=SERVICE,
            event="signal.expire",
            action=AuditAction.UPDATE if archive_until else AuditAction.DELETE,
            basis="Jeugdwet 7.1.4.5 (end of the signal's term)",
            client=signal.subject,
            objects=(f"signal:{signal.signal_id}",),
        )
    )
    _commit(uow)


def purge_archived(signal: SignalItem, actor: Principal, *, event: str, basis: str) -> None:
    """Destroy an archived signal: at the end of the archive term, at 23, or on an upheld objection."""
    uow = repo.unit_of_work()
    uow.delete(signal, condition=(SignalItem.status == "archived") & (SignalItem.due_at == signal.due_at))
    youth_key = signal.match_keys[0]
    repo.remove_archived(uow, youth_key, signal.signal_id)
    repo.bump_head(uow, youth_key)
    for match_id in signal.match_ids or []:
        uow.delete(PartyItem(repo.match_key(match_id), f"PARTY#{signal.signal_id}"))
    uow.publish(SignalPurged(signal_id=signal.signal_id, municipality=signal.municipality))
    uow.audit(
        AuditRecord.by(
            actor,
            service=SERVICE,
            event=event,
            action=AuditAction.DELETE,
            basis=basis,
            client=signal.subject,
            objects=(f"signal:{signal.signal_id}",),
        )
    )
    _commit(uow)


def erase_active(signal: SignalItem, actor: Principal) -> None:
    """An upheld objection: the signal goes at once, without archive (7.1.4.6)."""
    uow = repo.unit_of_work()
    _end_active(uow, signal, clock.now(), None)
    uow.publish(SignalWithdrawn(signal_id=signal.signal_id, municipality=signal.municipality, archived=False))
    uow.publish(SignalPurged(signal_id=signal.signal_id, municipality=signal.municipality))
    uow.audit(
        AuditRecord.by(
            actor,
            service=SERVICE,
            event="signal.erase",
            action=AuditAction.DELETE,
            basis="AVG art. 21 / Jeugdwet 7.1.5 (objection upheld by the municipality)",
            client=signal.subject,
            objects=(f"signal:{signal.signal_id}",),
        )
    )
    _commit(uow)


def _end_active(uow: UnitOfWork, signal: SignalItem, now: datetime, archive_until: datetime | None) -> None:
    """Take an active signal out of matching; archive it, or delete it and every trace of it in matches."""
    for key in signal.match_keys:
        repo.remove_entry(uow, key, signal.signal_id)
        repo.bump_head(uow, key)
    still_active = SignalItem.status == "active"
    if archive_until is None:
        uow.delete(signal, condition=still_active)
        for match_id in signal.match_ids or []:
            uow.delete(PartyItem(repo.match_key(match_id), f"PARTY#{signal.signal_id}"))
        return
    for match_id in signal.match_ids or []:
        uow.update(
            PartyItem(repo.match_key(match_id), f"PARTY#{signal.signal_id}"),
            [PartyItem.left_at.set(now.isoformat()), PartyItem.owner.remove(), PartyItem.owner_sort.remove()],
            condition=PartyItem.pk.exists(),
        )
    uow.update(
        signal,
        [
            SignalItem.status.set("archived"),
            SignalItem.removed_at.set(now.isoformat()),
            SignalItem.archive_until.set(archive_until.isoformat()),
            SignalItem.identity.remove(),  # the archive needs no BSN copy: it only matches by pseudonym
            SignalItem.owner.remove(),
            SignalItem.owner_sort.remove(),
            SignalItem.next_review.remove(),
            SignalItem.due_at.set(repo.due(archive_until, repo.signal_key(signal.signal_id))),
        ],
        condition=still_active,
    )
    repo.add_archived(uow, signal.match_keys[0], repo.party_of(signal))


def _commit(uow: UnitOfWork) -> None:
    try:
        uow.commit()
    except TransactionConflict:
        raise Conflict("the signal changed at the same moment; nothing was done, please try again") from None
