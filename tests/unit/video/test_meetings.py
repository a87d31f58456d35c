"""Video meetings: the Chime SDK provider, checked call by call against the real service model with botocore's
Stubber, and the local host's provider, which must hand out join data of the same shape."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from services.shared.settings import reset_settings
from services.video.logic.meetings import (
    Attendee,
    ChimeMeetings,
    LocalMeetings,
    Meeting,
    MeetingEnded,
    MeetingUnavailable,
    provider,
    request_token,
    to_join_payload,
)

CONTACT = "c-5b1f0a7e2d9c4e8f"
NURSE = "0d8e6f1a-3c2b-4a59-8e7d-6b5c4a3f2e1d"  # Cognito subs
PARENT = "9a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d"
MEETING_ID = "8d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a"
REGION_CODE = "ec1"


def _chime_meeting(meeting_id: str = MEETING_ID, external_meeting_id: str = CONTACT) -> dict[str, Any]:
    return {
        "MeetingId": meeting_id,
        "ExternalMeetingId": external_meeting_id,
        "MediaRegion": "eu-central-1",
        "MediaPlacement": {
            "AudioHostUrl": f"abc123.k.m1.{REGION_CODE}.app.chime.aws:3478",
            "AudioFallbackUrl": f"wss://wss.k.m1.{REGION_CODE}.app.chime.aws:443/calls/{meeting_id}",
            "SignalingUrl": f"wss://signal.m1.{REGION_CODE}.app.chime.aws/control/{meeting_id}",
            "TurnControlUrl": "https://2713.cell.eu-central-1.meetings.chime.aws/v2/turn_sessions",
            "ScreenDataUrl": f"wss://bitpw.m1.{REGION_CODE}.app.chime.aws:443/v2/screen/{meeting_id}",
            "ScreenViewingUrl": f"wss://bitpw.m1.{REGION_CODE}.app.chime.aws:443/ws/connect?passcode=null",
            "ScreenSharingUrl": f"wss://bitpw.m1.{REGION_CODE}.app.chime.aws:443/v2/screen/{meeting_id}",
            "EventIngestionUrl": "https://data.svc.ec1.ingest.chime.aws/v1/client-events",
        },
        "MeetingArn": f"arn:aws:chime:eu-central-1:123456789012:meeting/{meeting_id}",
    }


def _chime_attendee(user_id: str = NURSE) -> dict[str, Any]:
    return {"ExternalUserId": user_id, "AttendeeId": str(uuid.uuid4()), "JoinToken": "c2lnbmVkLWpvaW4tdG9rZW4"}


@pytest.fixture
def chime() -> Iterator[tuple[ChimeMeetings, Stubber]]:
    client = boto3.client(
        "chime-sdk-meetings", region_name="eu-central-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield ChimeMeetings(client), stubber
        stubber.assert_no_pending_responses()


# --- Chime ---------------------------------------------------------------------------------------------------------


def test_creating_a_meeting_puts_its_media_in_frankfurt_under_the_contact_id(
    chime: tuple[ChimeMeetings, Stubber],
) -> None:
    meetings, stubber = chime
    stubber.add_response(
        "create_meeting",
        {"Meeting": _chime_meeting()},
        {"ClientRequestToken": request_token(CONTACT), "MediaRegion": "eu-central-1", "ExternalMeetingId": CONTACT},
    )

    meeting = meetings.create_meeting(CONTACT)

    assert meeting.meeting_id == MEETING_ID
    assert meeting.external_meeting_id == CONTACT
    assert meeting.media_region == "eu-central-1"
    assert meeting.media_placement.signaling_url.endswith(f"/control/{MEETING_ID}")


def test_a_retried_create_sends_the_same_request_token_so_chime_makes_no_second_meeting(
    chime: tuple[ChimeMeetings, Stubber],
) -> None:
    meetings, stubber = chime
    expected = {
        "ClientRequestToken": request_token(CONTACT),
        "MediaRegion": "eu-central-1",
        "ExternalMeetingId": CONTACT,
    }
    stubber.add_response("create_meeting", {"Meeting": _chime_meeting()}, expected)
    stubber.add_response("create_meeting", {"Meeting": _chime_meeting()}, expected)

    assert meetings.create_meeting(CONTACT) == meetings.create_meeting(CONTACT)


def test_request_tokens_are_stable_fit_chime_and_differ_per_contact_and_attempt() -> None:
    token = request_token(CONTACT)
    assert token == request_token(CONTACT, 0)
    assert re.fullmatch(r"[-_a-zA-Z0-9]{2,64}", token)
    assert uuid.UUID(token).version == 5
    assert len({token, request_token(CONTACT, 1), request_token("c-another-contact")}) == 3


def test_the_request_token_does_not_change_between_releases() -> None:
    # a changed namespace would let a retry across a deployment create a second meeting
    assert request_token("contact-1") == str(
        uuid.uuid5(uuid.UUID("6c0e2d8a-51b4-4f7e-9a53-2f1c9b7d4e10"), "contact-1#0")
    )


def test_the_next_meeting_of_a_contact_after_one_ended_uses_a_new_token(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    stubber.add_response(
        "create_meeting",
        {"Meeting": _chime_meeting()},
        {"ClientRequestToken": request_token(CONTACT, 1), "MediaRegion": "eu-central-1", "ExternalMeetingId": CONTACT},
    )

    meetings.create_meeting(CONTACT, attempt=1)


def test_the_media_region_comes_from_settings(
    chime: tuple[ChimeMeetings, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JK_MEETING_MEDIA_REGION", "eu-north-1")
    reset_settings()
    meetings, stubber = chime
    stubber.add_response(
        "create_meeting",
        {"Meeting": {**_chime_meeting(), "MediaRegion": "eu-north-1"}},
        {"ClientRequestToken": request_token(CONTACT), "MediaRegion": "eu-north-1", "ExternalMeetingId": CONTACT},
    )

    assert meetings.create_meeting(CONTACT).media_region == "eu-north-1"


def test_a_media_region_outside_the_eu_is_refused_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from services.shared.settings import get_settings

    monkeypatch.setenv("JK_MEETING_MEDIA_REGION", "us-east-1")
    reset_settings()
    with pytest.raises(ValidationError):
        get_settings()


def test_a_contact_id_chime_cannot_hold_is_refused_before_calling(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, _ = chime
    with pytest.raises(ValueError, match="contact id"):
        meetings.create_meeting("c" * 65)


def test_adding_an_attendee_admits_our_user_id(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    response = _chime_attendee(PARENT)
    stubber.add_response("create_attendee", {"Attendee": response}, {"MeetingId": MEETING_ID, "ExternalUserId": PARENT})

    attendee = meetings.add_attendee(MEETING_ID, PARENT)

    assert attendee == Attendee(response["AttendeeId"], PARENT, response["JoinToken"])
    assert response["JoinToken"] not in repr(attendee)


def test_adding_an_attendee_to_an_ended_meeting_says_it_ended(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    stubber.add_client_error(
        "create_attendee",
        service_error_code="NotFoundException",
        service_message="The meeting has ended",
        http_status_code=404,
        expected_params={"MeetingId": MEETING_ID, "ExternalUserId": NURSE},
    )

    with pytest.raises(MeetingEnded) as raised:
        meetings.add_attendee(MEETING_ID, NURSE)
    assert raised.value.status == 404


def test_getting_a_meeting(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    stubber.add_response("get_meeting", {"Meeting": _chime_meeting()}, {"MeetingId": MEETING_ID})

    meeting = meetings.get_meeting(MEETING_ID)

    assert meeting == Meeting.from_payload(_chime_meeting())


def test_getting_a_meeting_that_is_gone_gives_none(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    stubber.add_client_error(
        "get_meeting",
        service_error_code="NotFoundException",
        http_status_code=404,
        expected_params={"MeetingId": MEETING_ID},
    )

    assert meetings.get_meeting(MEETING_ID) is None


def test_deleting_a_meeting(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    stubber.add_response("delete_meeting", {}, {"MeetingId": MEETING_ID})

    meetings.delete_meeting(MEETING_ID)


def test_deleting_a_meeting_that_is_already_gone_is_fine(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    stubber.add_client_error(
        "delete_meeting",
        service_error_code="NotFoundException",
        http_status_code=404,
        expected_params={"MeetingId": MEETING_ID},
    )

    meetings.delete_meeting(MEETING_ID)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 429),
        ("ServiceUnavailableException", 503),
        ("ServiceFailureException", 500),
        ("LimitExceededException", 400),
    ],
)
def test_a_throttling_or_failing_chime_answers_503(
    chime: tuple[ChimeMeetings, Stubber], code: str, status: int
) -> None:
    meetings, stubber = chime
    stubber.add_client_error(
        "create_meeting",
        service_error_code=code,
        http_status_code=status,
        expected_params={
            "ClientRequestToken": request_token(CONTACT),
            "MediaRegion": "eu-central-1",
            "ExternalMeetingId": CONTACT,
        },
    )

    with pytest.raises(MeetingUnavailable) as raised:
        meetings.create_meeting(CONTACT)
    assert raised.value.status == 503
    assert raised.value.code == "meeting_unavailable"


def test_throttling_on_delete_is_not_swallowed(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    stubber.add_client_error(
        "delete_meeting",
        service_error_code="ThrottlingException",
        http_status_code=429,
        expected_params={"MeetingId": MEETING_ID},
    )

    with pytest.raises(MeetingUnavailable):
        meetings.delete_meeting(MEETING_ID)


def test_an_unreachable_chime_answers_503() -> None:
    from botocore.exceptions import EndpointConnectionError

    class Unreachable:
        def get_meeting(self, **_: Any) -> dict[str, Any]:
            raise EndpointConnectionError(endpoint_url="https://meetings-chime.eu-central-1.amazonaws.com")

    with pytest.raises(MeetingUnavailable):
        ChimeMeetings(Unreachable()).get_meeting(MEETING_ID)


def test_a_refused_request_is_our_fault_and_propagates(chime: tuple[ChimeMeetings, Stubber]) -> None:
    from botocore.exceptions import ClientError

    meetings, stubber = chime
    stubber.add_client_error(
        "get_meeting",
        service_error_code="ForbiddenException",
        http_status_code=403,
        expected_params={"MeetingId": MEETING_ID},
    )

    with pytest.raises(ClientError):
        meetings.get_meeting(MEETING_ID)


def test_without_a_client_the_shared_one_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.client(
        "chime-sdk-meetings", region_name="eu-central-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    asked: list[str] = []

    @functools.cache  # like the real factory, which the settings reset clears
    def shared_client(service_name: str) -> Any:
        asked.append(service_name)
        return client

    monkeypatch.setattr("services.shared.aws.client", shared_client)
    with Stubber(client) as stubber:
        stubber.add_response("get_meeting", {"Meeting": _chime_meeting()}, {"MeetingId": MEETING_ID})
        assert ChimeMeetings().get_meeting(MEETING_ID) is not None
    assert asked == ["chime-sdk-meetings"]


def test_the_join_payload_is_what_the_chime_sdk_takes(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    stubber.add_response("get_meeting", {"Meeting": _chime_meeting()}, {"MeetingId": MEETING_ID})
    attendee = _chime_attendee()
    stubber.add_response("create_attendee", {"Attendee": attendee}, {"MeetingId": MEETING_ID, "ExternalUserId": NURSE})

    meeting = meetings.get_meeting(MEETING_ID)
    assert meeting is not None
    payload = to_join_payload(meeting, meetings.add_attendee(MEETING_ID, NURSE))

    placement = {k: v for k, v in _chime_meeting()["MediaPlacement"].items() if not k.startswith("Screen")}
    assert payload == {
        "Meeting": {
            "MeetingId": MEETING_ID,
            "ExternalMeetingId": CONTACT,
            "MediaRegion": "eu-central-1",
            "MediaPlacement": placement,
        },
        "Attendee": attendee,
    }
    assert Meeting.from_payload(payload["Meeting"]) == meeting
    assert Attendee.from_payload(payload["Attendee"]) == Attendee.from_payload(attendee)


# --- Local ---------------------------------------------------------------------------------------------------------


def _keys(payload: Any) -> Any:
    if isinstance(payload, dict):
        return {key: _keys(value) for key, value in payload.items()}
    return type(payload)


def _contact() -> str:
    return f"c-{uuid.uuid4().hex}"


def test_local_join_data_has_the_shape_of_chimes(chime: tuple[ChimeMeetings, Stubber]) -> None:
    meetings, stubber = chime
    stubber.add_response("get_meeting", {"Meeting": _chime_meeting()}, {"MeetingId": MEETING_ID})
    stubber.add_response(
        "create_attendee", {"Attendee": _chime_attendee()}, {"MeetingId": MEETING_ID, "ExternalUserId": NURSE}
    )
    chime_meeting = meetings.get_meeting(MEETING_ID)
    assert chime_meeting is not None
    from_chime = to_join_payload(chime_meeting, meetings.add_attendee(MEETING_ID, NURSE))

    local = LocalMeetings()
    contact = _contact()
    meeting = local.create_meeting(contact)
    from_local = to_join_payload(meeting, local.add_attendee(meeting.meeting_id, NURSE))

    assert _keys(from_local) == _keys(from_chime)
    assert from_local["Meeting"]["ExternalMeetingId"] == contact
    assert from_local["Meeting"]["MediaRegion"] == "eu-central-1"
    assert from_local["Attendee"]["ExternalUserId"] == NURSE
    uuid.UUID(from_local["Meeting"]["MeetingId"])
    uuid.UUID(from_local["Attendee"]["AttendeeId"])
    assert re.fullmatch(r"[a-zA-Z0-9+/]{2,2048}", from_local["Attendee"]["JoinToken"])  # Chime's JoinToken pattern


def test_local_meetings_carry_no_media_their_urls_never_resolve() -> None:
    meeting = LocalMeetings().create_meeting(_contact())

    for url in meeting.media_placement.to_payload().values():
        assert "local.invalid" in url


def test_local_create_is_idempotent_per_contact_and_attempt() -> None:
    local, contact = LocalMeetings(), _contact()

    first = local.create_meeting(contact)

    assert local.create_meeting(contact) == first
    assert local.create_meeting(contact, attempt=1).meeting_id != first.meeting_id


def test_each_local_participant_gets_their_own_token_and_the_same_one_again() -> None:
    local = LocalMeetings()
    meeting = local.create_meeting(_contact())

    nurse = local.add_attendee(meeting.meeting_id, NURSE)
    parent = local.add_attendee(meeting.meeting_id, PARENT)

    assert nurse.join_token != parent.join_token
    assert nurse.attendee_id != parent.attendee_id
    assert local.add_attendee(meeting.meeting_id, NURSE) == nurse  # like Chime: ExternalUserId is idempotent


def test_deleting_a_local_meeting_revokes_it_and_its_attendees() -> None:
    local = LocalMeetings()
    meeting = local.create_meeting(_contact())
    local.add_attendee(meeting.meeting_id, NURSE)
    assert local.get_meeting(meeting.meeting_id) == meeting

    local.delete_meeting(meeting.meeting_id)
    local.delete_meeting(meeting.meeting_id)  # again: already gone is fine

    assert local.get_meeting(meeting.meeting_id) is None
    with pytest.raises(MeetingEnded):
        local.add_attendee(meeting.meeting_id, NURSE)


def test_a_local_meeting_after_a_deleted_one_is_new() -> None:
    local, contact = LocalMeetings(), _contact()
    first = local.create_meeting(contact)
    local.delete_meeting(first.meeting_id)

    second = local.create_meeting(contact)

    assert second.meeting_id != first.meeting_id
    assert local.add_attendee(second.meeting_id, PARENT).external_user_id == PARENT


def test_an_unknown_local_meeting_is_none() -> None:
    assert LocalMeetings().get_meeting(str(uuid.uuid4())) is None


# --- Choosing ------------------------------------------------------------------------------------------------------


def test_chime_is_the_default_provider() -> None:
    assert isinstance(provider(), ChimeMeetings)


def test_the_local_host_chooses_the_local_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JK_MEETING_PROVIDER", "local")
    reset_settings()

    assert isinstance(provider(), LocalMeetings)
