from __future__ import annotations

from django.urls import path

from rituals.syncs.views import live, schedules, syncs, templates

urlpatterns = [
    path("rituals/", syncs.sync_list, name="sync_list"),
    path("rituals/syncs/new/", syncs.sync_create, name="sync_create"),
    path("rituals/syncs/<int:pk>/", syncs.sync_detail, name="sync_detail"),
    path("rituals/syncs/<int:pk>/present/", live.sync_present, name="sync_present"),
    path("rituals/syncs/<int:pk>/poll/", live.sync_poll, name="sync_poll"),
    path("rituals/syncs/<int:pk>/start/", live.sync_start, name="sync_start"),
    path("rituals/syncs/<int:pk>/next/", live.sync_next, name="sync_next"),
    path("rituals/syncs/<int:pk>/previous/", live.sync_previous, name="sync_previous"),
    path("rituals/syncs/<int:pk>/goto/", live.sync_goto, name="sync_goto"),
    path("rituals/syncs/<int:pk>/pause/", live.sync_pause, name="sync_pause"),
    path("rituals/syncs/<int:pk>/facilitator/", live.sync_facilitator, name="sync_facilitator"),
    path("rituals/syncs/<int:pk>/prepare/", syncs.sync_prepare, name="sync_prepare"),
    path("rituals/syncs/<int:pk>/cancel/", syncs.sync_delete, name="sync_delete"),
    path("rituals/syncs/<int:pk>/close/", syncs.sync_close, name="sync_close"),
    path("rituals/syncs/<int:pk>/summary/", syncs.sync_summary, name="sync_summary"),
    path("rituals/syncs/<int:pk>/summary.md", syncs.sync_export, name="sync_export"),
    path("rituals/syncs/<int:pk>/email/", syncs.sync_email, name="sync_email"),
    path("rituals/syncs/<int:pk>/pulse/", syncs.sync_pulse, name="sync_pulse"),
    path("rituals/syncs/<int:pk>/items/new/", syncs.item_add, name="item_add"),
    path("rituals/syncs/<int:pk>/items/<int:item_pk>/toggle/", syncs.item_toggle, name="item_toggle"),
    path("rituals/syncs/<int:pk>/items/<int:item_pk>/delete/", syncs.item_delete, name="item_delete"),
    path("rituals/syncs/<int:pk>/decisions/new/", syncs.decision_add, name="decision_add"),
    path(
        "rituals/syncs/<int:pk>/decisions/<int:decision_pk>/delete/",
        syncs.decision_delete,
        name="decision_delete",
    ),
    path("rituals/syncs/<int:pk>/actions/new/", syncs.action_add, name="action_add"),
    path("rituals/syncs/<int:pk>/actions/<int:action_pk>/toggle/", syncs.action_toggle, name="action_toggle"),
    path("rituals/syncs/<int:pk>/actions/<int:action_pk>/delete/", syncs.action_delete, name="action_delete"),
    path("rituals/syncs/<int:pk>/actions/<int:action_pk>/send/", syncs.action_send, name="action_send"),
    path("rituals/templates/", templates.template_list, name="template_list"),
    path("rituals/templates/<int:pk>/", templates.template_edit, name="template_edit"),
    path("rituals/templates/<int:pk>/reset/", templates.template_reset, name="template_reset"),
    path("rituals/schedules/", schedules.schedule_list, name="schedule_list"),
    path("rituals/schedules/new/", schedules.schedule_create, name="schedule_create"),
    path("rituals/schedules/<int:pk>/", schedules.schedule_edit, name="schedule_edit"),
    path("rituals/schedules/<int:pk>/feed-address/", schedules.schedule_rotate, name="schedule_rotate"),
    path("rituals/schedules/<int:pk>/delete/", schedules.schedule_delete, name="schedule_delete"),
    path("rituals/feeds/<str:token>.ics", schedules.schedule_feed, name="schedule_feed"),
]
