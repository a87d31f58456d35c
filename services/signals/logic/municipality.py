"""What the municipality does with the index: statistics (7.1.2.3 h), access requests and erasure (7.1.5)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from services.shared import audit, pseudonym
from services.shared.audit import AuditAction, AuditRecord
from services.shared.errors import Forbidden, Unprocessable
from services.shared.principal import Principal, Role
from services.shared.region_config import region_config
from services.signals.dal import repository as repo
from services.signals.dal.tables import SignalItem
from services.signals.logic.matching import KeyKind, MatchKey
from services.signals.logic.remove_signal import erase_active, purge_archived
from services.signals.models.signals import (
    Erased,
    LogbookEntry,
    Statistics,
    StatisticsCell,
    SubjectReport,
    SubjectSignal,
)

SERVICE = "signals"
SMALL_CELL = 5
MAX_PERIOD_DAYS = 366 * 2
LOGBOOK_EVENTS = {
    "signal.register": "signalled",
    "signal.withdraw": "withdrew",
    "signal.expire": "expired",
    "signal.erase": "erased",
    "signal.purge": "purged",
    "match.notice": "match notice sent",
}


def _cell(count: int) -> str:
    return "<5" if 0 < count < SMALL_CELL else str(count)


def _months(start: date, end: date) -> list[str]:
    months, cursor = [], date(start.year, start.month, 1)
    while cursor <= end:
        months.append(f"{cursor:%Y-%m}")
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    return months


def statistics(principal: Principal, period_from: date, period_to: date) -> Statistics:
    """Counts only; cells below five are shown as '<5' so no youth can be singled out."""
    if period_to < period_from:
        raise Unprocessable("to lies before from", details={"errors": [{"field": "to", "message": "before from"}]})
    if (period_to - period_from).days > MAX_PERIOD_DAYS:
        raise Unprocessable(
            "a period of at most two years", details={"errors": [{"field": "to", "message": "period too long"}]}
        )
    scope = None
    if not principal.has_any([Role.REGION_ADMIN]):
        if principal.municipality is None:
            raise Forbidden("your account is not linked to a municipality", code="no_municipality")
        scope = principal.municipality
    start = datetime.combine(period_from, time.min, UTC).isoformat()
    end = datetime.combine(period_to + timedelta(days=1), time.min, UTC).isoformat()
    per_municipality: Counter[str] = Counter()
    per_domain: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    done = within = 0
    for fact in repo.stat_facts(_months(period_from, period_to), start, end):
        if fact.sk >= end or (scope is not None and fact.municipality != scope):
            continue
        if fact.fact == "signal":
            per_municipality[fact.municipality] += 1
            per_domain[fact.domain or "unknown"] += 1
        elif fact.fact == "match":
            per_kind[fact.kind or "unknown"] += 1
        elif fact.fact == "follow_up":
            done += 1
            within += bool(fact.within_deadline)
    names = {m.code: m.name for m in region_config().municipalities}
    return Statistics(
        period_from=period_from,
        period_to=period_to,
        signals_per_municipality=[
            StatisticsCell(key=f"{code} {names.get(code, '')}".strip(), count=_cell(n))
            for code, n in sorted(per_municipality.items())
        ],
        signals_per_domain=[StatisticsCell(key=k, count=_cell(n)) for k, n in sorted(per_domain.items())],
        matches_per_kind=[StatisticsCell(key=k, count=_cell(n)) for k, n in sorted(per_kind.items())],
        follow_ups_done=_cell(done),
        follow_up_within_deadline_percent=round(100 * within / done, 1) if done >= SMALL_CELL else None,
    )


def _subject_signals(principal: Principal, bsn: str) -> tuple[str, list[SignalItem]]:
    if principal.municipality is None:
        raise Forbidden("your account is not linked to a municipality", code="no_municipality")
    subject = pseudonym.pseudonymize(bsn, purpose="bsn")
    active, archived = repo.youth_key_entries(MatchKey(KeyKind.YOUTH, subject))
    signals = repo.batch_signals([e.signal_id for e in active] + [e.signal_id for e in archived])
    # Jeugdwet 7.1.5: requests go to the municipality of residence; it sees the signals registered there.
    return subject, sorted(
        (s for s in signals if s.municipality == principal.municipality), key=lambda s: s.registered_at
    )


def subject_report(principal: Principal, bsn: str) -> SubjectReport:
    subject, signals = _subject_signals(principal, bsn)
    audit.write(
        AuditRecord.by(
            principal,
            service=SERVICE,
            event="subject.access_request",
            action=AuditAction.SEARCH,
            basis="AVG art. 15 / Jeugdwet 7.1.5 (access request to the municipality)",
            client=subject,
            objects=tuple(f"signal:{s.signal_id}" for s in signals),
        )
    )
    logbook = [
        LogbookEntry(at=r.occurred_at, event=LOGBOOK_EVENTS[r.event], organization=r.organization, user_id=r.user_id)
        for r in audit.records_about(subject)
        if r.service == SERVICE and r.event in LOGBOOK_EVENTS
    ]
    return SubjectReport(
        signals=[
            SubjectSignal(
                organization=s.organization,
                organization_name=s.organization_name,
                status=s.status,  # type: ignore[arg-type]
                registered_at=datetime.fromisoformat(s.registered_at),
                removal_due=datetime.fromisoformat(s.removal_due) if s.status == "active" else None,
                archive_until=datetime.fromisoformat(s.archive_until) if s.archive_until else None,
            )
            for s in signals
        ],
        logbook=logbook,
    )


def erase(principal: Principal, bsn: str) -> Erased:
    """An upheld objection: every signal on the youth in this municipality goes, without archive."""
    _, signals = _subject_signals(principal, bsn)
    for signal in signals:
        if signal.status == "active":
            erase_active(signal, principal)
        else:
            purge_archived(
                signal,
                principal,
                event="signal.erase",
                basis="AVG art. 21 / Jeugdwet 7.1.5 (objection upheld by the municipality)",
            )
    return Erased(erased_signals=len(signals))
