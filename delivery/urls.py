from __future__ import annotations

from django.urls import include, path

app_name = "delivery"

urlpatterns = [
    path("", include("delivery.api.urls")),
]
