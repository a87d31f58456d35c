"""Who matches whom (Jeugdwet 7.1.2.3): pure decisions over what the keys of a new signal hold.

A signal is entered under one youth key (its BSN or no-BSN pseudonym), a family key per registered parent and
an address key (unless the address is on the region's excluded list). Two or more active signals on one youth
make a youth match; on a family or address key a match needs signals on at least two different youths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class KeyKind(StrEnum):
    YOUTH = "youth"
    FAMILY = "family"
    ADDRESS = "address"


@dataclass(frozen=True)
class MatchKey:
    kind: KeyKind
    pseudonym: str

    @property
    def key(self) -> str:
        return f"KEY#{self.kind.value}#{self.pseudonym}"


@dataclass(frozen=True)
class Party:
    """A signal as a match party: its signaller's contact details (all a match notice may show, 7.1.2.3)."""

    signal_id: str
    subject: str
    user_id: str
    name: str
    email: str | None
    phone: str | None
    organization: str
    organization_name: str
    coordinator_name: str | None = None
    coordinator_email: str | None = None
    coordinator_phone: str | None = None


@dataclass(frozen=True)
class Archived:
    party: Party
    notified: bool


@dataclass
class KeyState:
    """What one key holds when read: its version (None: never used), its match, its signals."""

    key: MatchKey
    version: int | None = None
    match_id: str | None = None
    active: list[Party] = field(default_factory=list)
    archived: list[Archived] = field(default_factory=list)


@dataclass(frozen=True)
class MatchDecision:
    key: MatchKey
    match_id: str
    forms: bool  # a new match (True) or the new signal joins the existing one (False)
    existing: tuple[Party, ...]  # the active parties already on the key


@dataclass(frozen=True)
class Decisions:
    matches: tuple[MatchDecision, ...]
    historical: tuple[Party, ...]  # archived signallers to put in a one-time historical match notice
    heads: dict[MatchKey, str] = field(default_factory=dict)  # keys without a match -> the match they lead to


def own_active_signal(states: list[KeyState], user_id: str) -> str | None:
    """The caller's own active signal on this youth, if any (one active signal per professional per youth)."""
    for state in states:
        if state.key.kind is KeyKind.YOUTH:
            for party in state.active:
                if party.user_id == user_id:
                    return party.signal_id
    return None


def decide(states: list[KeyState], new: Party, new_id: Callable[[], str]) -> Decisions:
    """The matches the new signal forms or joins, and the archived signals it gets a historical notice of.

    One registration makes at most one match per kind: the keys of both parents of a family lead to the same
    family match (the first existing one, or one new one for all of them). ``new_id`` gives a new match's id.
    """
    matches: list[MatchDecision] = []
    historical: tuple[Party, ...] = ()
    heads: dict[MatchKey, str] = {}
    for kind in KeyKind:
        group = [s for s in states if s.key.kind is kind]
        if not group:
            continue
        others: dict[str, Party] = {}
        for state in group:
            others.update((p.signal_id, p) for p in state.active if p.signal_id != new.signal_id)
        if kind is KeyKind.YOUTH:
            # 7.1.4.6: an archived signal produces a match notice once, when a new signal on the youth is made.
            historical = tuple(a.party for s in group for a in s.archived if not a.notified)
            matches_here = bool(others)
        else:
            existing = any(s.match_id is not None for s in group)
            matches_here = existing or any(p.subject != new.subject for p in others.values())
        if not matches_here:
            continue
        current = next((s.match_id for s in group if s.match_id is not None), None)
        match_id = current or new_id()
        matches.append(MatchDecision(group[0].key, match_id, forms=current is None, existing=tuple(others.values())))
        heads.update((s.key, match_id) for s in group if s.match_id is None)
    return Decisions(matches=tuple(matches), historical=historical, heads=heads)
