"""The 24/7 queue's business metrics (CloudWatch EMF, one record per organisation), for the region's dashboard
and alarms: ``ContactsWaiting`` and ``LongestWaitSeconds`` every minute (the sweeper), ``ContactsAnswered``,
``ContactsAnsweredWithinTarget``, ``ContactsAbandoned`` and ``ContactsWaitingTooLong`` as they happen."""

from __future__ import annotations

from datetime import datetime

from services.shared.observability import metrics
from services.shared.region_config import region_config
from services.video.models.contact import Contact


def emit(organization: str, name: str, value: float, unit: str = "Count") -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name=name, unit=MetricUnit(unit), value=value, namespace=metrics().namespace,
        default_dimensions={"service": "video", "organization": organization},
    ) as metric:  # fmt: skip
        del metric  # the record is written when the block ends


def within_target(contact: Contact, answered_at: datetime) -> bool:
    levels = region_config().contact_247.service_levels
    target = levels.urgent if contact.urgency == "urgent" else levels.normal
    return (answered_at - contact.requested_at).total_seconds() <= target.answer_within_seconds


def answered(contact: Contact, at: datetime) -> None:
    emit(contact.organization, "ContactsAnswered", 1)
    emit(contact.organization, "ContactsAnsweredWithinTarget", 1 if within_target(contact, at) else 0)


def abandoned(organization: str) -> None:
    emit(organization, "ContactsAbandoned", 1)
