from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RitualsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rituals"
    verbose_name = _("Rituals")
