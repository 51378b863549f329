from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("collab_rituals")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Log lines of a task carry its task id (django-structlog; DJANGO_STRUCTLOG_CELERY_ENABLED).
app.steps["worker"].add(DjangoStructLogInitStep)

app.conf.beat_schedule = {
    "nightly-metrics-recompute": {
        "task": "metrics.tasks.recompute_all_organisations",
        "schedule": crontab(hour=2, minute=30),
    },
    "recover-lost-recomputes": {  # a worker killed mid-recompute: queued again within minutes
        "task": "metrics.tasks.recompute_runs_recover",
        "schedule": crontab(minute="*/2"),
    },
    "close-forgotten-syncs": {
        "task": "rituals.tasks.close_stale_syncs",
        "schedule": crontab(minute="*/10"),
    },
    "notices-conflicts-open-too-long": {
        "task": "integrations.notices.conflicts_check",
        "schedule": crontab(hour=7, minute=0),
    },
    "notices-weekly-digest": {  # sent where it is Monday 9:xx local time, once a week
        "task": "integrations.notices.digests_send",
        "schedule": crontab(minute="*/15"),
    },
    "purge-idempotency-records": {
        "task": "delivery.tasks.idempotency_records_purge",
        "schedule": crontab(hour=3, minute=15),
    },
}
