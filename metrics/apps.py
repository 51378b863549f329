from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metrics"
    verbose_name = _("Metrics")

    def ready(self) -> None:
        from collab.signals import records_changed
        from metrics import receivers

        records_changed.connect(receivers.refresh_later, dispatch_uid="metrics-refresh-later")
