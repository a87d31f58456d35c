"""The signals API function: routes under /signals. Each route parses, checks the role, calls one use case."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from services.shared.api import create_app, current_principal, lambda_handler, requires
from services.shared.bsn import Bsn
from services.shared.errors import NotFound
from services.shared.health import register_health
from services.shared.principal import Role
from services.signals.about import ABOUT
from services.signals.handlers import guide
from services.signals.models.signals import (
    CoordinatorChoice,
    Erased,
    Erasure,
    FollowUpClose,
    FollowUpPage,
    FollowUpView,
    MatchPage,
    MatchView,
    NewSignal,
    Registered,
    SignalPage,
    SignalView,
    Statistics,
    SubjectReport,
    Withdrawal,
    Withdrawn,
)

# The use cases (and with them the tables, contracts, audit and KMS clients) are imported by the route that
# needs them, not here: a cold start pays only for the route it serves (bench/cold_import.py).

app = create_app(service=ABOUT.name, version=ABOUT.version, description=ABOUT.description)
register_health(app, ABOUT)
app.include_router(guide.router)

PROFESSIONAL = [requires(Role.PROFESSIONAL)]
MATCHREGIE = [requires(Role.MATCHREGIE)]
MUNICIPALITY = [requires(Role.MUNICIPALITY)]
POLICY = [requires(Role.MUNICIPALITY, Role.REGION_ADMIN)]
SIGNAL_ID = re.compile(r"^sig-[0-9a-f]{32}$")
MATCH_ID = re.compile(r"^mat-[0-9a-f]{32}$")
Limit = Annotated[int, Query(ge=1, le=50, description="page size")]
Cursor = Annotated[str | None, Query(max_length=2048, description="the `next` of the previous page")]


def _signal_id(value: str) -> str:
    if not SIGNAL_ID.match(value):
        raise NotFound("no such signal of yours", code="signal_not_found")
    return value


def _match_id(value: str) -> str:
    if not MATCH_ID.match(value):
        raise NotFound("no such match", code="match_not_found")
    return value


# Static paths first: the resolver tries routes in the order they were added, and /signals/<id> would
# otherwise take /signals/matches.


@app.post("/signals", operation_id="register_signal", tags=["signals"], middlewares=PROFESSIONAL)
def register(signal: NewSignal) -> Response[Registered]:
    """Register a signal: only that you are involved and concerned, never what about (Jeugdwet 7.1.4.3)."""
    from services.signals.logic import register_signal

    registered = register_signal.register_signal(current_principal(), signal)
    return Response(status_code=201, content_type="application/json", body=registered)


@app.get("/signals", operation_id="list_signals", tags=["signals"], middlewares=PROFESSIONAL)
def list_signals(limit: Limit = 20, cursor: Cursor = None) -> SignalPage:
    """Your active signals, newest first."""
    from services.signals.logic import read_signals

    return read_signals.list_signals(current_principal(), limit, cursor)


@app.get("/signals/matches", operation_id="list_matches", tags=["matches"], middlewares=PROFESSIONAL)
def list_matches(limit: Limit = 10, cursor: Cursor = None) -> MatchPage:
    """The matches you are party to, with the other professionals' contact details, newest first."""
    from services.signals.logic import read_signals

    return read_signals.list_matches(current_principal(), limit, cursor)


@app.post(
    "/signals/matches/<match_id>/contact", operation_id="record_contact", tags=["matches"], middlewares=PROFESSIONAL
)
def record_contact(match_id: str) -> MatchView:
    """'I have been in touch with the others.'"""
    from services.signals.logic import follow_up

    return follow_up.record_contact(current_principal(), _match_id(match_id))


@app.post(
    "/signals/matches/<match_id>/coordinator",
    operation_id="assign_coordinator",
    tags=["matches"],
    middlewares=PROFESSIONAL,
)
def assign_coordinator(match_id: str, choice: CoordinatorChoice) -> MatchView:
    """Take coordination (your own party id) or hand it to another party; one coordinator at a time."""
    from services.signals.logic import follow_up

    return follow_up.assign_coordinator(current_principal(), _match_id(match_id), choice.party_id)


@app.get("/signals/follow-up", operation_id="list_follow_ups", tags=["follow-up"], middlewares=MATCHREGIE)
def list_follow_ups(
    status: Annotated[Literal["open", "overdue", "done"], Query()] = "open",
    municipality: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> FollowUpPage:
    """Matches of your municipality and how their follow-up stands (Jeugdwet 7.1.3.2)."""
    from services.signals.logic import follow_up

    return follow_up.list_follow_ups(current_principal(), status, municipality, limit, cursor)


@app.post(
    "/signals/follow-up/<match_id>/close", operation_id="close_follow_up", tags=["follow-up"], middlewares=MATCHREGIE
)
def close_follow_up(match_id: str, closing: FollowUpClose) -> FollowUpView:
    """Close a match's follow-up with an outcome code."""
    from services.signals.logic import follow_up

    return follow_up.close_follow_up(current_principal(), _match_id(match_id), closing.outcome)


@app.get("/signals/statistics", operation_id="signal_statistics", tags=["municipality"], middlewares=POLICY)
def statistics(
    period_from: Annotated[date, Query(alias="from")],
    period_to: Annotated[date, Query(alias="to")],
) -> Statistics:
    """Counts per municipality, organisation domain and match kind; cells below 5 shown as '<5'."""
    from services.signals.logic import municipality

    return municipality.statistics(current_principal(), period_from, period_to)


@app.get("/signals/subject-requests", operation_id="subject_request", tags=["municipality"], middlewares=MUNICIPALITY)
def subject_request(bsn: Annotated[Bsn, Query()]) -> SubjectReport:
    """Which organisations signalled this youth, and the logbook: to answer an access request."""
    from services.signals.logic import municipality

    return municipality.subject_report(current_principal(), bsn)


@app.post(
    "/signals/subject-requests/erase", operation_id="erase_subject", tags=["municipality"], middlewares=MUNICIPALITY
)
def erase_subject(erasure: Erasure) -> Erased:
    """After an upheld objection: every signal on the youth in your municipality goes, without archive."""
    from services.signals.logic import municipality

    return municipality.erase(current_principal(), erasure.bsn)


@app.post("/signals/<signal_id>/withdraw", operation_id="withdraw_signal", tags=["signals"], middlewares=PROFESSIONAL)
def withdraw(signal_id: str, withdrawal: Withdrawal) -> Withdrawn:
    """Withdraw your signal; archived (risk resolved) or destroyed at once, as the law says."""
    from services.signals.logic import remove_signal

    return remove_signal.withdraw(current_principal(), _signal_id(signal_id), withdrawal.reason)


@app.get("/signals/<signal_id>", operation_id="get_signal", tags=["signals"], middlewares=PROFESSIONAL)
def get_signal(signal_id: str) -> SignalView:
    """One of your signals; the BSN masked to its last three digits."""
    from services.signals.logic import read_signals

    return read_signals.get_signal(current_principal(), _signal_id(signal_id))


handler = lambda_handler(app, component="signals-api")
