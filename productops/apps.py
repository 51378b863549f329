from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductopsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "productops"
    verbose_name = _("Product Ops")
