"""The workspace document page."""

from __future__ import annotations

from django.urls import path

from workspace import deletion, sso_views, twofactor, views

app_name = "workspace"

urlpatterns = [
    path("settings/workspace/", views.workspace_page, name="workspace"),
    path("settings/workspace/export/", views.workspace_export, name="workspace_export"),
    path("settings/workspace/import/", views.workspace_import, name="workspace_import"),
    path("settings/workspace/import/<uuid:job_id>/", views.import_job, name="import_job"),
    path("settings/sign-in/", sso_views.sign_in_settings, name="sign_in_settings"),
    path("settings/delete/", deletion.organisation_delete_view, name="organisation_delete"),
    path("settings/delete/export/", deletion.deletion_export, name="deletion_export"),
    path("account/security/", twofactor.account_security, name="account_security"),
    path("account/security/two-factor/", twofactor.two_factor_enrol, name="two_factor_enrol"),
    path("account/security/two-factor/off/", twofactor.two_factor_off, name="two_factor_off"),
    path("account/security/recovery-codes/", twofactor.recovery_codes_new, name="recovery_codes_new"),
]
