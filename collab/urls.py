from __future__ import annotations

from django.urls import include, path

from collab import audit_views, leaving, onboarding, views

app_name = "collab"

urlpatterns = [
    path("org/switch/", views.org_switch, name="org_switch"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/audit/", audit_views.audit_log, name="audit_log"),
    path("settings/people/<int:pk>/remove/", leaving.membership_remove_view, name="membership_remove"),
    path("settings/hand-over/", leaving.hand_over, name="hand_over"),
    path("invitations/many/", onboarding.invite_many, name="invite_many"),
    path("onboarding/dismiss/", onboarding.onboarding_dismiss, name="onboarding_dismiss"),
    path("settings/people/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("", include("collab.features.urls")),
]
