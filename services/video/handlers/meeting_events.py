"""Consumer: Chime SDK meeting events from the account's default bus. A meeting that ended by itself (24 h, or
5 minutes with nobody connected) closes the contact's video session; our own DeleteMeeting sends the same event,
which then finds nothing to change. Events of meetings that are not ours (no contact with that meeting) are
ignored."""

from __future__ import annotations

import json
from typing import Any

from services.shared import clock
from services.shared.entrypoint import entrypoint
from services.shared.observability import logger

COMPONENT = "video-meeting-events"


def meeting_ended(detail: dict[str, Any]) -> bool:
    from services.video.logic.sessions import closed

    contact_id, meeting_id = detail.get("externalMeetingId"), detail.get("meetingId")
    if not isinstance(contact_id, str) or not isinstance(meeting_id, str) or not contact_id.startswith("con-"):
        logger().info("a meeting event that is not of a contact", extra={"meeting_id": meeting_id})
        return False
    return closed(contact_id, meeting_id, clock.now())


@entrypoint(COMPONENT)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """An SQS batch of EventBridge events; a record that fails comes back (partial batch response)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    def handle(record: SQSRecord) -> None:
        body = json.loads(record.body)
        if body.get("detail", {}).get("eventType") == "chime:MeetingEnded":
            meeting_ended(body["detail"])

    response = process_partial_response(
        event=event, record_handler=handle, processor=BatchProcessor(event_type=EventType.SQS), context=context
    )
    return dict(response)
