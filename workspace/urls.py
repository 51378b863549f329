"""The workspace document page."""

from __future__ import annotations

from django.urls import path

from workspace import views

app_name = "workspace"

urlpatterns = [
    path("settings/workspace/", views.workspace_page, name="workspace"),
    path("settings/workspace/export/", views.workspace_export, name="workspace_export"),
    path("settings/workspace/import/", views.workspace_import, name="workspace_import"),
    path("settings/workspace/import/<uuid:job_id>/", views.import_job, name="import_job"),
]
