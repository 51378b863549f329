from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from integrations import action_items
        from rituals.syncs.trackers import action_item_send_requested, tracker_for_team

        tracker_for_team.connect(action_items.tracker_for_team, dispatch_uid="integrations-tracker-for-team")
        action_item_send_requested.connect(
            action_items.send_later, dispatch_uid="integrations-send-action-item"
        )
        from integrations.notices import receivers

        receivers.connect()
