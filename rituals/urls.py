from __future__ import annotations

from django.urls import path

from rituals import views

app_name = "rituals"

urlpatterns = [
    path("rituals/", views.sync_list, name="sync_list"),
    path("conflicts/", views.conflict_list, name="conflict_list"),
]
