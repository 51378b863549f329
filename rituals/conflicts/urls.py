from __future__ import annotations

from django.urls import path

from rituals.conflicts import views

urlpatterns = [
    path("conflicts/", views.conflict_list, name="conflict_list"),
]
