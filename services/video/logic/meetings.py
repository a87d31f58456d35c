"""Video meetings of 24/7 contacts, behind one ``MeetingProvider`` interface.

- ``ChimeMeetings`` runs meetings on the Amazon Chime SDK (``chime-sdk-meetings``), with the media in an EU
  region (``meeting_media_region``, Frankfurt unless the settings say otherwise).
- ``LocalMeetings`` is the local host's stand-in: meetings and attendees of the same shape, but no media.

``provider()`` picks one by the ``meeting_provider`` setting (``JK_MEETING_PROVIDER``). Each participant's
join token goes to that participant only; deleting the meeting revokes every token (DOMAIN.md, 24/7 contact).
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.shared import aws
from services.shared.errors import NotFound, ServiceUnavailable
from services.shared.settings import get_settings

# Fixed forever: the request token of a contact's meeting must be the same in every cold start and deployment.
_REQUEST_TOKEN_NAMESPACE = uuid.UUID("6c0e2d8a-51b4-4f7e-9a53-2f1c9b7d4e10")
_EXTERNAL_ID_LENGTH = (2, 64)  # Chime's limits on ExternalMeetingId and ExternalUserId
# Chime errors that mean "not now": worth a retry later (LimitExceeded: the account's concurrent-meeting quota)
_UNAVAILABLE_CODES = frozenset(
    {"ThrottlingException", "ServiceUnavailableException", "ServiceFailureException", "LimitExceededException"}
)


class MeetingUnavailable(ServiceUnavailable):
    """The meeting service is throttling or failing; the API answers 503 and the client may try again."""

    default_code = "meeting_unavailable"


class MeetingEnded(NotFound):
    """The meeting is gone: deleted, or ended by itself (after 24 h, or 5 minutes with nobody connected)."""

    default_code = "meeting_ended"


@dataclass(frozen=True)
class MediaPlacement:
    """Where a client connects for audio, video and signalling. (Chime's deprecated screen-sharing URLs are left
    out: current client SDKs do not use them.)"""

    audio_host_url: str
    audio_fallback_url: str
    signaling_url: str
    turn_control_url: str
    event_ingestion_url: str | None = None

    def to_payload(self) -> dict[str, str]:
        payload = {
            "AudioHostUrl": self.audio_host_url,
            "AudioFallbackUrl": self.audio_fallback_url,
            "SignalingUrl": self.signaling_url,
            "TurnControlUrl": self.turn_control_url,
        }
        if self.event_ingestion_url:
            payload["EventIngestionUrl"] = self.event_ingestion_url
        return payload

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> MediaPlacement:
        return cls(
            audio_host_url=data["AudioHostUrl"],
            audio_fallback_url=data["AudioFallbackUrl"],
            signaling_url=data["SignalingUrl"],
            turn_control_url=data["TurnControlUrl"],
            event_ingestion_url=data.get("EventIngestionUrl"),
        )


@dataclass(frozen=True)
class Meeting:
    """The meeting as a client needs it to join. ``external_meeting_id`` is our contact id."""

    meeting_id: str
    external_meeting_id: str
    media_region: str
    media_placement: MediaPlacement

    def to_payload(self) -> dict[str, Any]:
        return {
            "MeetingId": self.meeting_id,
            "ExternalMeetingId": self.external_meeting_id,
            "MediaRegion": self.media_region,
            "MediaPlacement": self.media_placement.to_payload(),
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Meeting:
        return cls(
            meeting_id=data["MeetingId"],
            external_meeting_id=data["ExternalMeetingId"],
            media_region=data["MediaRegion"],
            media_placement=MediaPlacement.from_payload(data["MediaPlacement"]),
        )


@dataclass(frozen=True)
class Attendee:
    """One participant's admission to a meeting. ``external_user_id`` is our user id (the Cognito sub); the join
    token is that participant's secret, so it stays out of ``repr`` (and so out of logs)."""

    attendee_id: str
    external_user_id: str
    join_token: str = field(repr=False)

    def to_payload(self) -> dict[str, str]:
        return {"AttendeeId": self.attendee_id, "ExternalUserId": self.external_user_id, "JoinToken": self.join_token}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Attendee:
        return cls(
            attendee_id=data["AttendeeId"], external_user_id=data["ExternalUserId"], join_token=data["JoinToken"]
        )


def to_join_payload(meeting: Meeting, attendee: Attendee) -> dict[str, Any]:
    """What a frontend hands to the Chime SDK (``new MeetingSessionConfiguration(Meeting, Attendee)``)."""
    return {"Meeting": meeting.to_payload(), "Attendee": attendee.to_payload()}


class MeetingProvider(Protocol):
    def create_meeting(self, contact_id: str, *, attempt: int = 0) -> Meeting:
        """The contact's meeting; a retry with the same contact and attempt gives the same meeting, not a second one.

        ``attempt`` counts the contact's meetings from 0: after a meeting ended, start the next with ``attempt + 1``
        (Chime wants a different request token for a different meeting).
        """
        ...

    def add_attendee(self, meeting_id: str, user_id: str) -> Attendee:
        """Admit a user; the same user again gets the same attendee. Raises ``MeetingEnded`` if the meeting is gone."""
        ...

    def get_meeting(self, meeting_id: str) -> Meeting | None:
        """The meeting, or None when it is gone."""
        ...

    def delete_meeting(self, meeting_id: str) -> None:
        """End the meeting and revoke every join token. A meeting that is already gone is fine."""
        ...


def provider() -> MeetingProvider:
    if get_settings().meeting_provider == "local":
        return LocalMeetings()
    return ChimeMeetings()


def request_token(contact_id: str, attempt: int = 0) -> str:
    """Chime's ``ClientRequestToken`` of a contact's meeting: deterministic, so a retried create is not a second
    meeting. (A UUID: within Chime's 2-64 characters of ``[-_a-zA-Z0-9]``.)"""
    if attempt < 0:
        raise ValueError("attempt counts from 0")
    return str(uuid.uuid5(_REQUEST_TOKEN_NAMESPACE, f"{contact_id}#{attempt}"))


def _external_id(value: str, what: str) -> str:
    low, high = _EXTERNAL_ID_LENGTH
    if not low <= len(value) <= high:
        raise ValueError(f"{what} must be {low} to {high} characters to be a Chime external id")
    return value


class ChimeMeetings:
    """Meetings on the Amazon Chime SDK. The client is the shared cached one unless a test passes its own."""

    def __init__(self, client: Any | None = None, *, media_region: str | None = None) -> None:
        self._client = client
        self._media_region = media_region

    def create_meeting(self, contact_id: str, *, attempt: int = 0) -> Meeting:
        params = {
            "ClientRequestToken": request_token(contact_id, attempt),
            "MediaRegion": self._media_region or get_settings().meeting_media_region,
            "ExternalMeetingId": _external_id(contact_id, "a contact id"),
        }
        response = self._call(lambda chime: chime.create_meeting(**params))
        return Meeting.from_payload(response["Meeting"])

    def add_attendee(self, meeting_id: str, user_id: str) -> Attendee:
        external_user_id = _external_id(user_id, "a user id")
        response = self._call(
            lambda chime: chime.create_attendee(MeetingId=meeting_id, ExternalUserId=external_user_id)
        )
        return Attendee.from_payload(response["Attendee"])

    def get_meeting(self, meeting_id: str) -> Meeting | None:
        try:
            response = self._call(lambda chime: chime.get_meeting(MeetingId=meeting_id))
        except MeetingEnded:
            return None
        return Meeting.from_payload(response["Meeting"])

    def delete_meeting(self, meeting_id: str) -> None:
        with contextlib.suppress(MeetingEnded):  # already gone: its tokens are revoked, all deleting is for
            self._call(lambda chime: chime.delete_meeting(MeetingId=meeting_id))

    def _call(self, operation: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        """Run one Chime call, mapping its errors by code: gone → ``MeetingEnded``, not now → ``MeetingUnavailable``;
        anything else (a refused request, missing permissions) is a fault of ours and propagates."""
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        chime = self._client if self._client is not None else aws.client("chime-sdk-meetings")
        try:
            return operation(chime)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code == "NotFoundException":
                raise MeetingEnded("the video meeting has ended") from error
            if code in _UNAVAILABLE_CODES or status >= 500:
                raise MeetingUnavailable("video is unavailable right now; try again shortly") from error
            raise
        except (BotoConnectionError, HTTPClientError) as error:
            raise MeetingUnavailable("video is unavailable right now; try again shortly") from error


@dataclass
class _LocalMeeting:
    meeting: Meeting
    attendees: dict[str, Attendee]  # by external user id


_local_lock = threading.Lock()
_local_meetings: dict[str, _LocalMeeting] = {}  # by meeting id
_local_requests: dict[str, str] = {}  # request token -> meeting id


class LocalMeetings:
    """The local host's meetings: the same shape as Chime's (UUIDs, a random join token, media placement URLs), kept
    in this process's memory. **It carries no media**: the URLs point at ``local.invalid``, a name that never
    resolves, so a client can go through the whole join flow but sees and hears nobody. Meetings do not end by
    themselves here; deleting one revokes its attendees."""

    def create_meeting(self, contact_id: str, *, attempt: int = 0) -> Meeting:
        token = request_token(contact_id, attempt)
        external_meeting_id = _external_id(contact_id, "a contact id")
        with _local_lock:
            existing = _local_meetings.get(_local_requests.get(token, ""))
            if existing is not None:
                return existing.meeting
            meeting_id = str(uuid.uuid4())
            base = f"local.invalid/meetings/{meeting_id}"
            meeting = Meeting(
                meeting_id=meeting_id,
                external_meeting_id=external_meeting_id,
                media_region=get_settings().meeting_media_region,
                media_placement=MediaPlacement(
                    audio_host_url="local.invalid:3478",
                    audio_fallback_url=f"wss://{base}/audio",
                    signaling_url=f"wss://{base}/control",
                    turn_control_url=f"https://{base}/turn_sessions",
                    event_ingestion_url=f"https://{base}/client-events",
                ),
            )
            _local_meetings[meeting_id] = _LocalMeeting(meeting, {})
            _local_requests[token] = meeting_id
            return meeting

    def add_attendee(self, meeting_id: str, user_id: str) -> Attendee:
        external_user_id = _external_id(user_id, "a user id")
        with _local_lock:
            local = _local_meetings.get(meeting_id)
            if local is None:
                raise MeetingEnded("the video meeting has ended")
            attendee = local.attendees.get(external_user_id)
            if attendee is None:
                # base64 without padding, like Chime's join tokens ([a-zA-Z0-9+/])
                join_token = base64.b64encode(secrets.token_bytes(48)).decode()
                attendee = Attendee(str(uuid.uuid4()), external_user_id, join_token)
                local.attendees[external_user_id] = attendee
            return attendee

    def get_meeting(self, meeting_id: str) -> Meeting | None:
        with _local_lock:
            local = _local_meetings.get(meeting_id)
            return local.meeting if local is not None else None

    def delete_meeting(self, meeting_id: str) -> None:
        with _local_lock:
            _local_meetings.pop(meeting_id, None)
