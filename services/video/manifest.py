"""What the video service is made of; read by the CDK stack and the local host."""

from __future__ import annotations

from services.shared.contracts.video import CONTRACTS
from services.shared.manifest import EventBusName, Schedule, ServiceManifest, Subscription
from services.video.about import ABOUT

# Chime SDK meeting lifecycle events arrive on the account's default bus (best effort). A meeting ends by itself
# after 24 h or 5 minutes with nobody connected; DeleteMeeting sends the same event.
MEETING_ENDED_PATTERN = {
    "source": ["aws.chime"],
    "detail-type": ["Chime Meeting State Change"],
    "detail": {"eventType": ["chime:MeetingEnded"]},
}

MANIFEST = ServiceManifest.of(
    ABOUT,
    subscriptions=(
        Subscription(
            name="meeting-events",
            handler="services.video.handlers.meeting_events.handler",
            pattern=MEETING_ENDED_PATTERN,
            bus=EventBusName.DEFAULT,
        ),
    ),
    schedules=(Schedule(name="queue", handler="services.video.handlers.sweeper.handler", rate_minutes=1),),
    publishes=CONTRACTS,
)
