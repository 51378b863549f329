from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery import tasks
from delivery.api import services
from delivery.models import IdempotencyRecord
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def record(org, key: str, age_days: int) -> IdempotencyRecord:
    row = IdempotencyRecord.objects.create(
        org=org, key=key, endpoint="deployments", request_hash="x", status_code=201, response={}
    )
    IdempotencyRecord.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return row


def test_beat_purges_records_past_retention_and_keeps_recent_ones():
    org = OrganisationFactory()
    record(org, "old", services.IDEMPOTENCY_RETENTION_DAYS + 1)
    record(org, "recent", services.IDEMPOTENCY_RETENTION_DAYS - 1)
    assert tasks.idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


def test_the_purge_is_scheduled_nightly():
    from config.celery import app

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "delivery.tasks.idempotency_records_purge" in scheduled
