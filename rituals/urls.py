from __future__ import annotations

from django.urls import include, path

app_name = "rituals"

# Two concepts, two packages: the syncs (templates, DRIVE, presenter mode) and the conflict
# handling around them (PIVOT conflicts, escalations, obstacles, 1:1s, post-mortems).
urlpatterns = [
    path("", include("rituals.syncs.urls")),
    path("", include("rituals.conflicts.urls")),
    path("", include("rituals.leadership.urls")),
]
