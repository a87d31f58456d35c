"""The roster (who is on duty when, for which channels and languages) and the nurses' presence (available, busy or
away; capacity; kept alive by heartbeats). Together they say which nurses can take a contact now."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pynamodb.exceptions import PutError

from services.shared import audit
from services.shared.audit import AuditAction, AuditRecord
from services.shared.directory import find_user
from services.shared.errors import Forbidden, Unprocessable
from services.shared.principal import Principal, Role
from services.shared.region import Contact247
from services.shared.region_config import region_config
from services.video.dal import repository as repo
from services.video.dal.tables import PresenceItem, ShiftItem
from services.video.logic.routing import Nurse
from services.video.models.api import PresenceUpdate, PresenceView, RosterDay, RosterView, ShiftView

TZ = ZoneInfo("Europe/Amsterdam")  # roster dates are Dutch calendar dates
PRESENCE_KEPT = timedelta(days=30)  # a presence item outlives any contact it counts


def local_date(at: datetime) -> date:
    return at.astimezone(TZ).date()


def answering_organisations(config: Contact247) -> set[str]:
    return set(config.own_organisation.values()) | {config.out_of_hours_partner}


def _on(shift: ShiftItem, now: datetime) -> bool:
    return datetime.fromisoformat(shift.start) <= now < datetime.fromisoformat(shift.end)


def shifts_now(organization: str, now: datetime) -> list[ShiftItem]:
    """Shifts of ``organization`` covering ``now`` (a shift is filed under the day it starts; none is over 16 h)."""
    today = local_date(now)
    found = repo.shifts_on(today, organization) + repo.shifts_on(today - timedelta(days=1), organization)
    return [s for s in found if _on(s, now)]


@dataclass(frozen=True)
class Candidate:
    """A nurse who may be offered contacts of some channel: the routing rules' view plus the shift's channels."""

    nurse: Nurse
    channels: frozenset[str]

    def takes(self, channel: str) -> bool:
        return channel in self.channels


def present(presence: PresenceItem, now: datetime, config: Contact247) -> bool:
    """Not away, and a heartbeat within the presence timeout."""
    fresh = datetime.fromisoformat(presence.heartbeat_at) >= now - timedelta(seconds=config.presence_timeout_seconds)
    return fresh and presence.status != "away"


def candidates(
    organization: str, now: datetime, config: Contact247, *, shifts: list[ShiftItem] | None = None
) -> list[Candidate]:
    """The organisation's nurses who are rostered now and present (available or busy); ``shifts``: its shifts
    covering now, if the caller has just read them."""
    on = {s.nurse_id: s for s in (shifts if shifts is not None else shifts_now(organization, now))}
    if not on:
        return []
    found = []
    for presence in repo.presences(organization):
        shift = on.get(presence.user_id)
        if shift is None or not present(presence, now, config):
            continue
        nurse = Nurse(
            user_id=presence.user_id, organization=organization, available=presence.status == "available",
            on_duty=True, languages=frozenset(shift.languages), capacity=int(presence.limit),
            active=int(presence.active), idle_since=datetime.fromisoformat(presence.idle_since),
        )  # fmt: skip
        found.append(Candidate(nurse, frozenset(shift.channels)))
    return found


def staffed(organization: str, now: datetime, config: Contact247, channel: str, language: str) -> bool:
    """Someone is on duty there for this channel and language now (rostered and present)."""
    return any(c.takes(channel) and language in c.nurse.languages for c in candidates(organization, now, config))


def fresh_since(now: datetime, config: Contact247) -> datetime:
    return now - timedelta(seconds=config.presence_timeout_seconds)


# -- the roster ---------------------------------------------------------------------------------------------------
def _may_plan(principal: Principal, organization: str) -> bool:
    if principal.has_any([Role.REGION_ADMIN]):
        return True
    return principal.has_any([Role.PLANNER]) and principal.organization == organization


def put_roster(principal: Principal, day: RosterDay, now: datetime) -> RosterView:
    config = region_config().contact_247
    if not _may_plan(principal, day.organization):
        audit.write(_roster_record(principal, day.organization, day.date, AuditAction.UPDATE, denied=True))
        raise Forbidden("only the region's administrator or a planner of the organisation plans its roster")
    if day.organization not in answering_organisations(config):
        raise Unprocessable("this organisation takes no 24/7 contacts in the region", details={"field": "organization"})
    languages = {lang.value for lang in region_config().languages}
    items: list[ShiftItem] = []
    ids: dict[str, str] = {}
    for index, shift in enumerate(day.shifts):
        where = f"shifts[{index}]"
        if local_date(shift.start) != day.date:
            raise Unprocessable(f"{where}: a shift starts on the roster's date", details={"field": f"{where}.start"})
        unknown = sorted(set(shift.languages) - languages)
        if unknown:
            raise Unprocessable(f"{where}: the region offers no {unknown}", details={"field": f"{where}.languages"})
        nurse_id = ids.get(shift.nurse) or _nurse_id(shift.nurse, day.organization, where)
        ids[shift.nurse] = nurse_id
        items.append(
            ShiftItem(
                repo.roster_key(day.date),
                repo.shift_key(day.organization, shift.start, nurse_id),
                nurse_id=nurse_id,
                nurse=shift.nurse,
                organization=day.organization,
                start=repo.stamp(shift.start),
                end=repo.stamp(shift.end),
                channels=list(shift.channels),
                languages=list(shift.languages),
                set_by=principal.user_id,
                expires_at=shift.end + timedelta(days=400),
            )
        )
    _no_overlap(day)
    with repo.unit_of_work() as uow:
        repo.replace_roster(uow, day.date, day.organization, items)
        uow.audit(_roster_record(principal, day.organization, day.date, AuditAction.UPDATE))
    return _view(day.date, repo.shifts_on(day.date, day.organization), now)


def _no_overlap(day: RosterDay) -> None:
    by_nurse: dict[str, list[tuple[datetime, datetime]]] = {}
    for shift in day.shifts:
        by_nurse.setdefault(shift.nurse, []).append((shift.start, shift.end))
    for nurse, spans in by_nurse.items():
        spans.sort()
        if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans)):
            raise Unprocessable(f"the shifts of {nurse} overlap", details={"field": "shifts"})


def _nurse_id(username: str, organization: str, where: str) -> str:
    user = find_user("username", username)
    if user is None or user.get("custom:organization") != organization:
        raise Unprocessable(
            f"{where}: no nurse {username!r} in organisation {organization}", details={"field": f"{where}.nurse"}
        )
    return user["sub"]


def get_roster(principal: Principal, day: date, organization: str | None, now: datetime) -> RosterView:
    if not principal.has_any([Role.REGION_ADMIN]):
        if not principal.has_any([Role.PLANNER, Role.NURSE]) or not principal.organization:
            raise Forbidden("the roster is for the region's administrator, planners and nurses")
        if organization not in (None, principal.organization):
            audit.write(_roster_record(principal, organization, day, AuditAction.READ, denied=True))
            raise Forbidden("you see the roster of your own organisation")
        organization = principal.organization
    shifts = repo.shifts_on(day, organization)
    audit.write(_roster_record(principal, organization or "*", day, AuditAction.READ))
    return _view(day, shifts, now)


def _view(day: date, shifts: list[ShiftItem], now: datetime) -> RosterView:
    return RosterView(
        date=day,
        shifts=[
            ShiftView(
                organization=s.organization,
                nurse=s.nurse,
                nurse_id=s.nurse_id,
                start=datetime.fromisoformat(s.start),
                end=datetime.fromisoformat(s.end),
                channels=list(s.channels),
                languages=list(s.languages),
                on_duty_now=_on(s, now),
            )
            for s in sorted(shifts, key=lambda s: (s.organization, s.start, s.nurse))
        ],
    )


def _roster_record(
    principal: Principal, organization: str, day: date, action: AuditAction, *, denied: bool = False
) -> AuditRecord:
    from services.shared.audit import AuditOutcome

    return AuditRecord.by(
        principal, service="video", event=f"roster.{action.value}", action=action,
        basis="role: region administrator, planner or nurse of the organisation",
        objects=(f"roster:{organization}:{day.isoformat()}",),
        outcome=AuditOutcome.DENIED if denied else AuditOutcome.SUCCESS,
    )  # fmt: skip


# -- presence -----------------------------------------------------------------------------------------------------
def put_presence(principal: Principal, update: PresenceUpdate, now: datetime) -> PresenceView:
    """Record the nurse's presence (a heartbeat when nothing changed); when they are available, offer them what
    waits for their organisation."""
    from services.video.logic import dispatch

    config = region_config().contact_247
    organization = principal.organization
    if not organization or organization not in answering_organisations(config):
        raise Forbidden("your organisation takes no 24/7 contacts in this region")
    existing = repo.get_presence(principal.user_id)
    capacity = update.capacity or (int(existing.capacity) if existing else config.max_parallel_chats)
    limit = min(capacity, config.max_parallel_chats)
    changed = existing is None or (existing.status, int(existing.capacity)) != (update.status, capacity)
    if existing is None:
        item = PresenceItem(
            repo.nurse_key(principal.user_id), repo.PRESENCE, user_id=principal.user_id, organization=organization,
            presence_org=organization, status=update.status, capacity=capacity, limit=limit, active=0,
            heartbeat_at=repo.stamp(now), idle_since=repo.stamp(now), expires_at=now + PRESENCE_KEPT,
        )  # fmt: skip
        try:
            item.save(condition=PresenceItem.pk.does_not_exist())
        except PutError:  # the nurse's other device said hello at the same moment: that one is the presence
            existing = repo.get_presence(principal.user_id)
    if existing is not None:
        existing.update(
            actions=[
                PresenceItem.status.set(update.status), PresenceItem.capacity.set(capacity),
                PresenceItem.limit.set(limit), PresenceItem.heartbeat_at.set(repo.stamp(now)),
                PresenceItem.organization.set(organization), PresenceItem.presence_org.set(organization),
                PresenceItem.expires_at.set(now + PRESENCE_KEPT),
            ]
        )  # fmt: skip
    if changed:
        audit.write(
            AuditRecord.by(
                principal,
                service="video",
                event="presence.update",
                action=AuditAction.UPDATE,
                basis="role: nurse",
                objects=(f"presence:{principal.user_id}",),
            )
        )
    took_back = False
    if update.status != "available":  # busy or away: offers out to this nurse go on to a colleague now
        for contact in repo.queue(organization):
            if contact.status == "offered" and contact.offered_to == principal.user_id:
                took_back |= dispatch.take_back(contact, now) is not None
    shifts = shifts_now(organization, now)
    offered = dispatch.dispatch(organization, now, candidates=candidates(organization, now, config, shifts=shifts))
    active = int(existing.active) if existing is not None else 0
    if offered or took_back:  # this nurse's count may have changed
        presence = repo.get_presence(principal.user_id)
        active = int(presence.active) if presence is not None else active
    return PresenceView(
        status=update.status, capacity=capacity, limit=limit, active=active,
        on_duty=any(s.nurse_id == principal.user_id for s in shifts),
        expires_at=now + timedelta(seconds=config.presence_timeout_seconds),
    )  # fmt: skip
