from __future__ import annotations

from django.urls import re_path

from integrations import views

app_name = "integrations"

# Included before delivery's URLs: its `/api/v1/…` catch-all answers 404 for anything not matched here.
urlpatterns = [
    re_path(r"^api/v1/devlake/deployments/?$", views.devlake_deployments, name="api_devlake_deployments"),
    re_path(
        r"^api/plugins/webhook/connections/(?P<connection_id>[0-9]+)/deployments/?$",
        views.devlake_deployments,
        name="api_devlake_connection_deployments",
    ),
]
