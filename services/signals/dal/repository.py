"""The only place that knows how signals, keys and matches are laid out in DynamoDB.

Reads are queries on a key or an index, never scans. Writes are added to a ``UnitOfWork`` so a change, its
events and its audit record commit together.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from services.shared.outbox import UnitOfWork
from services.shared.paging import decode_cursor, page
from services.signals.dal.tables import (
    DUE_SHARD,
    ArchivedEntry,
    KeyEntry,
    KeyHead,
    MatchItem,
    PartyItem,
    SignalItem,
    SignalsItem,
    SignalsOutbox,
    StatFact,
)
from services.signals.logic.matching import Archived, KeyKind, KeyState, MatchKey, Party

T = TypeVar("T", bound=SignalsItem)
PAGE_MAX = 50


def unit_of_work() -> UnitOfWork:
    return UnitOfWork(SignalsOutbox)


def signal_key(signal_id: str) -> str:
    return f"SIGNAL#{signal_id}"


def match_key(match_id: str) -> str:
    return f"MATCH#{match_id}"


def due(at: datetime | str, pk: str) -> str:
    stamp = at if isinstance(at, str) else at.isoformat()
    return f"{stamp}#{pk}"


# -- paging ------------------------------------------------------------------------------------------------


# -- signals -----------------------------------------------------------------------------------------------


def get_signal(signal_id: str) -> SignalItem | None:
    try:
        item = SignalItem.get(signal_key(signal_id), "SIGNAL", consistent_read=True)
    except DoesNotExist:
        return None
    return item if isinstance(item, SignalItem) else None


def signals_of(user_id: str, limit: int, cursor: str | None) -> tuple[list[SignalItem], str | None]:
    results = SignalsItem.by_owner.query(
        f"SIGNALLER#{user_id}", scan_index_forward=False, limit=limit, last_evaluated_key=decode_cursor(cursor)
    )
    items, nxt = page(results, limit)
    return [i for i in items if isinstance(i, SignalItem)], nxt


def add_matches_to_signal(uow: UnitOfWork, signal_id: str, match_ids: list[str]) -> None:
    """Remember on the signal which matches it is a party to, so its removal can leave them."""
    uow.update(
        SignalItem(signal_key(signal_id), "SIGNAL"),
        [SignalItem.match_ids.set(SignalItem.match_ids.append(match_ids))],
        condition=SignalItem.pk.exists(),
    )


def batch_signals(signal_ids: Iterable[str]) -> list[SignalItem]:
    keys = [(signal_key(s), "SIGNAL") for s in dict.fromkeys(signal_ids)]
    return [i for i in SignalItem.batch_get(keys) if isinstance(i, SignalItem)] if keys else []


# -- keys --------------------------------------------------------------------------------------------------


def party_of(item: KeyEntry | ArchivedEntry | PartyItem | SignalItem, subject: str | None = None) -> Party:
    return Party(
        signal_id=item.party_id if isinstance(item, PartyItem) else item.signal_id,
        subject=subject if subject is not None else getattr(item, "subject", ""),
        user_id=item.user_id,
        name=item.name,
        email=item.email,
        phone=item.phone,
        organization=item.organization,
        organization_name=item.organization_name,
        coordinator_name=item.coordinator_name,
        coordinator_email=item.coordinator_email,
        coordinator_phone=item.coordinator_phone,
    )


def _contact(party: Party) -> dict[str, Any]:
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


def read_keys(keys: list[MatchKey]) -> list[KeyState]:
    """One query per key: its head, its active signals and (youth keys) its archived ones."""
    states = []
    for key in keys:
        state = KeyState(key=key)
        for item in SignalsItem.query(key.key, consistent_read=True):
            if isinstance(item, KeyHead):
                state.version, state.match_id = int(item.version), item.match_id
            elif isinstance(item, KeyEntry):
                state.active.append(party_of(item))
            elif isinstance(item, ArchivedEntry):
                state.archived.append(Archived(party_of(item, subject=key.pseudonym), bool(item.notified)))
        states.append(state)
    return states


def add_head(uow: UnitOfWork, state: KeyState, match_id: str | None) -> None:
    """Bump the key's version, conditional on the version read: a concurrent change on the key cancels us."""
    head = KeyHead(state.key.key, "HEAD")
    if state.version is None:
        head.version, head.match_id = 1, match_id
        uow.save(head, condition=KeyHead.pk.does_not_exist())
        return
    actions: list[Action] = [KeyHead.version.set(state.version + 1)]
    if match_id is not None and state.match_id is None:
        actions.append(KeyHead.match_id.set(match_id))
    uow.update(head, actions, condition=KeyHead.version == state.version)


def bump_head(uow: UnitOfWork, key: str) -> None:
    """A removal changes what the key holds: make concurrent registrations on it read again."""
    uow.update(KeyHead(key, "HEAD"), [KeyHead.version.add(1)], condition=KeyHead.pk.exists())


def add_entry(uow: UnitOfWork, key: MatchKey, party: Party, municipality: str) -> None:
    entry = KeyEntry(
        key.key,
        f"SIGNAL#{party.signal_id}",
        signal_id=party.signal_id,
        subject=party.subject,
        municipality=municipality,
        **_contact(party),
    )
    uow.save(entry, condition=KeyEntry.pk.does_not_exist())


def remove_entry(uow: UnitOfWork, key: str, signal_id: str) -> None:
    uow.delete(KeyEntry(key, f"SIGNAL#{signal_id}"))


def add_archived(uow: UnitOfWork, key: str, party: Party) -> None:
    entry = ArchivedEntry(
        key, f"ARCHIVED#{party.signal_id}", signal_id=party.signal_id, notified=False, **_contact(party)
    )
    uow.save(entry, condition=ArchivedEntry.pk.does_not_exist())


def mark_archived_notified(uow: UnitOfWork, key: str, signal_id: str) -> None:
    entry = ArchivedEntry(key, f"ARCHIVED#{signal_id}")
    uow.update(entry, [ArchivedEntry.notified.set(True)], condition=ArchivedEntry.notified == False)  # noqa: E712


def remove_archived(uow: UnitOfWork, key: str, signal_id: str) -> None:
    uow.delete(ArchivedEntry(key, f"ARCHIVED#{signal_id}"))


def youth_key_entries(key: MatchKey) -> tuple[list[KeyEntry], list[ArchivedEntry]]:
    active: list[KeyEntry] = []
    archived: list[ArchivedEntry] = []
    for item in SignalsItem.query(key.key, consistent_read=True):
        if isinstance(item, KeyEntry):
            active.append(item)
        elif isinstance(item, ArchivedEntry):
            archived.append(item)
    return active, archived


# -- matches -----------------------------------------------------------------------------------------------


def follow_up_key(municipality: str, state: str) -> str:
    group = "done" if state in ("done", "closed") else state
    return f"FOLLOWUP#{municipality}#{group}"


def new_party(match_id: str, party: Party, joined_at: datetime) -> PartyItem:
    return PartyItem(
        match_key(match_id),
        f"PARTY#{party.signal_id}",
        match_id=match_id,
        party_id=party.signal_id,
        subject=party.subject,
        joined_at=joined_at.isoformat(),
        owner=f"PARTY#{party.user_id}",
        owner_sort=f"{joined_at.isoformat()}#{match_id}",
        **_contact(party),
    )


def match_with_parties(match_id: str) -> tuple[MatchItem | None, list[PartyItem]]:
    match: MatchItem | None = None
    parties: list[PartyItem] = []
    for item in SignalsItem.query(match_key(match_id), consistent_read=True):
        if isinstance(item, MatchItem):
            match = item
        elif isinstance(item, PartyItem):
            parties.append(item)
    return match, parties


def parties_of(user_id: str, limit: int, cursor: str | None) -> tuple[list[PartyItem], str | None]:
    results = SignalsItem.by_owner.query(
        f"PARTY#{user_id}", scan_index_forward=False, limit=limit, last_evaluated_key=decode_cursor(cursor)
    )
    items, nxt = page(results, limit)
    return [i for i in items if isinstance(i, PartyItem)], nxt


def follow_ups(municipality: str, state: str, limit: int, cursor: str | None) -> tuple[list[MatchItem], str | None]:
    results = SignalsItem.by_follow_up.query(
        follow_up_key(municipality, state),
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor),
    )
    items, nxt = page(results, limit)
    return [i for i in items if isinstance(i, MatchItem)], nxt


# -- deadlines and statistics ----------------------------------------------------------------------------


def due_items(now: datetime, limit: int = 100) -> Iterator[SignalsItem]:
    """Items whose deadline has passed, oldest first (the sweeper's work list)."""
    yield from SignalsItem.by_due.query(DUE_SHARD, SignalsItem.due_at <= f"{now.isoformat()}~", limit=limit)


def add_stat(uow: UnitOfWork, at: datetime, fact: str, **values: Any) -> None:
    """A statistics fact under a random id: it cannot be linked back to the signal or match it counts."""
    item = StatFact(f"STAT#{at:%Y-%m}", f"{at.isoformat()}#{fact}#{uuid.uuid4().hex}", fact=fact, **values)
    uow.save(item, condition=StatFact.pk.does_not_exist())


def stat_facts(months: Iterable[str], start: str, end: str) -> Iterator[StatFact]:
    for month in months:
        for item in SignalsItem.query(f"STAT#{month}", SignalsItem.sk.between(start, end + "~")):
            if isinstance(item, StatFact):
                yield item


def key_for(kind: KeyKind, pseudonym: str) -> MatchKey:
    return MatchKey(kind, pseudonym)
