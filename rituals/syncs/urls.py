from __future__ import annotations

from django.urls import path

from rituals.syncs import views

urlpatterns = [
    path("rituals/", views.sync_list, name="sync_list"),
]
