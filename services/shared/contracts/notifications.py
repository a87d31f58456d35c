"""Events published by the notifications service: ids, codes and channels only, never a message's content."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from services.shared.events import EventData

Channel = Literal["inbox", "email", "sms", "push"]


class _NotificationsEvent(EventData):
    producer: ClassVar[str] = "notifications"


class NotificationDelivered(_NotificationsEvent):
    notification_id: str
    source_event_id: str = Field(description="the event that caused the notification")
    recipient_id: str = Field(description="user id, or 'matchregie:<CBS code>' for a municipality's mailbox")
    channel: Channel
    category: str


class NotificationFailed(_NotificationsEvent):
    notification_id: str
    source_event_id: str
    recipient_id: str
    channel: Channel
    category: str
    reason: str = Field(description="a code: rejected, no_address, no_device, unknown_user, gave_up")


CONTRACTS: tuple[type[EventData], ...] = (NotificationDelivered, NotificationFailed)
