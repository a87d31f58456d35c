"""Who matches whom: the pure decisions over what a new signal's keys hold (Jeugdwet 7.1.2.3)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.signals.logic.matching import Archived, KeyKind, KeyState, MatchKey, Party, decide, own_active_signal

YOUTH = MatchKey(KeyKind.YOUTH, "youth-1")
MOTHER = MatchKey(KeyKind.FAMILY, "mother")
FATHER = MatchKey(KeyKind.FAMILY, "father")
HOME = MatchKey(KeyKind.ADDRESS, "home")


def party(n: int, subject: str = "youth-1", user: str | None = None) -> Party:
    return Party(f"sig-{n}", subject, user or f"user-{n}", f"Name {n}", None, None, "org", "Org")


NEW = party(0)


def test_first_signal_on_a_youth_matches_nobody() -> None:
    decisions = decide([KeyState(YOUTH)], NEW, lambda: "mat-new")

    assert decisions.matches == ()
    assert decisions.historical == ()


def test_second_signal_on_a_youth_forms_a_youth_match_with_the_first() -> None:
    decisions = decide([KeyState(YOUTH, version=1, active=[party(1)])], NEW, lambda: "mat-new")

    [match] = decisions.matches
    assert (match.match_id, match.forms, match.existing) == ("mat-new", True, (party(1),))
    assert decisions.heads == {YOUTH: "mat-new"}


def test_signal_joins_the_youths_existing_match() -> None:
    state = KeyState(YOUTH, version=2, match_id="mat-1", active=[party(1), party(2)])

    [match] = decide([state], NEW, lambda: "mat-new").matches

    assert (match.match_id, match.forms) == ("mat-1", False)
    assert len(match.existing) == 2


def test_family_key_needs_two_different_youths() -> None:
    same_youth = KeyState(MOTHER, version=1, active=[party(1, subject="youth-1")])
    sibling = KeyState(MOTHER, version=1, active=[party(1, subject="youth-2")])

    assert decide([same_youth], NEW, lambda: "mat-new").matches == ()
    [match] = decide([sibling], NEW, lambda: "mat-new").matches
    assert match.key.kind is KeyKind.FAMILY


def test_both_parents_lead_to_one_family_match() -> None:
    mother = KeyState(MOTHER, version=1, active=[party(1, subject="youth-2")])
    father = KeyState(FATHER, version=1, match_id="mat-7", active=[party(1, subject="youth-2")])

    decisions = decide([mother, father], NEW, lambda: "mat-new")

    [match] = decisions.matches
    assert (match.match_id, match.forms, match.existing) == ("mat-7", False, (party(1, subject="youth-2"),))
    assert decisions.heads == {MOTHER: "mat-7"}


def test_unnotified_archived_signals_give_a_historical_notice_once() -> None:
    state = KeyState(YOUTH, version=3, archived=[Archived(party(1), notified=False), Archived(party(2), notified=True)])

    assert decide([state], NEW, lambda: "mat-new").historical == (party(1),)


def test_own_active_signal_is_found_on_the_youth_key_only() -> None:
    states = [KeyState(YOUTH, active=[party(1, user="user-0")]), KeyState(HOME, active=[party(2, user="user-9")])]

    assert own_active_signal(states, "user-0") == "sig-1"
    assert own_active_signal(states, "user-9") is None


@given(st.lists(st.sampled_from(["youth-1", "youth-2", "youth-3"]), max_size=6), st.booleans())
def test_at_most_one_match_per_kind_and_only_with_others(subjects: list[str], has_match: bool) -> None:
    active = [party(i + 1, subject=s) for i, s in enumerate(subjects)]
    states = [
        KeyState(YOUTH, version=1, active=[p for p in active if p.subject == "youth-1"]),
        KeyState(MOTHER, version=1, match_id="mat-9" if has_match else None, active=active),
        KeyState(HOME, version=1, active=active),
    ]

    decisions = decide(states, NEW, lambda: "mat-new")

    kinds = [m.key.kind for m in decisions.matches]
    assert len(kinds) == len(set(kinds))
    for match in decisions.matches:
        assert NEW not in match.existing
        if match.forms:
            assert match.existing
