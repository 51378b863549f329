from __future__ import annotations

from django.urls import include, path

from collab import views

app_name = "collab"

urlpatterns = [
    path("org/switch/", views.org_switch, name="org_switch"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/people/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("", include("collab.features.urls")),
]
