from __future__ import annotations

from django.urls import path

from rituals.conflicts.views import conflicts, escalations, obstacles, one_on_ones, postmortems

urlpatterns = [
    path("conflicts/", conflicts.conflict_list, name="conflict_list"),
    path("conflicts/new/", conflicts.conflict_create, name="conflict_create"),
    path("conflicts/<int:pk>/", conflicts.conflict_detail, name="conflict_detail"),
    path("conflicts/<int:pk>/sessions/", conflicts.conflict_session_create, name="conflict_session_create"),
    path(
        "conflicts/<int:pk>/sessions/<int:session_id>/",
        conflicts.conflict_session_edit,
        name="conflict_session_edit",
    ),
    path(
        "conflicts/<int:pk>/sessions/<int:session_id>/delete/",
        conflicts.conflict_session_delete,
        name="conflict_session_delete",
    ),
    path("conflicts/<int:pk>/resolve/", conflicts.conflict_resolve, name="conflict_resolve"),
    path("conflicts/<int:pk>/reopen/", conflicts.conflict_reopen, name="conflict_reopen"),
    path("conflicts/<int:pk>/escalate/", conflicts.conflict_escalate, name="conflict_escalate"),
    path("conflicts/<int:pk>/<slug:step>/", conflicts.conflict_step, name="conflict_step"),
    path("escalations/", escalations.escalation_list, name="escalation_list"),
    path("escalations/inbox/", escalations.escalation_inbox, name="escalation_inbox"),
    path("escalations/new/", escalations.escalation_create, name="escalation_create"),
    path("escalations/<int:pk>/", escalations.escalation_detail, name="escalation_detail"),
    path("escalations/<int:pk>/decide/", escalations.escalation_decide, name="escalation_decide"),
    path("escalations/<int:pk>/raise/", escalations.escalation_raise, name="escalation_raise"),
    path("obstacles/", obstacles.obstacle_list, name="obstacle_list"),
    path("obstacles/new/", obstacles.obstacle_create, name="obstacle_create"),
    path("obstacles/<int:pk>/", obstacles.obstacle_detail, name="obstacle_detail"),
    path("obstacles/<int:pk>/resolve/", obstacles.obstacle_resolve, name="obstacle_resolve"),
    path("obstacles/<int:pk>/reopen/", obstacles.obstacle_reopen, name="obstacle_reopen"),
    path("one-on-ones/", one_on_ones.one_on_one_list, name="one_on_one_list"),
    path("one-on-ones/new/", one_on_ones.one_on_one_create, name="one_on_one_create"),
    path("one-on-ones/<int:pk>/", one_on_ones.one_on_one_detail, name="one_on_one_detail"),
    path("one-on-ones/<int:pk>/edit/", one_on_ones.one_on_one_edit, name="one_on_one_edit"),
    path(
        "one-on-ones/pair/<int:leader_id>/<int:pm_id>/", one_on_ones.one_on_one_pair, name="one_on_one_pair"
    ),
    path("postmortems/", postmortems.postmortem_list, name="postmortem_list"),
    path("postmortems/new/", postmortems.postmortem_create, name="postmortem_create"),
    path("postmortems/<int:pk>/", postmortems.postmortem_detail, name="postmortem_detail"),
    path("postmortems/<int:pk>/edit/", postmortems.postmortem_edit, name="postmortem_edit"),
]
