from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("collab_rituals")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "nightly-metrics-recompute": {
        "task": "metrics.tasks.recompute_all_organisations",
        "schedule": crontab(hour=2, minute=30),
    },
    "close-forgotten-syncs": {
        "task": "rituals.tasks.close_stale_syncs",
        "schedule": crontab(minute="*/10"),
    },
}
