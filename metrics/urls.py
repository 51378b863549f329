from __future__ import annotations

from django.urls import include, path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("dashboards/", views.overview, name="overview"),
    path("", include("metrics.api.urls")),
]
