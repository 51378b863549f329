from __future__ import annotations

import inspect
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import collab.middleware
from rituals.models import ActionItem, Decision, Pulse, Ritual, Sync, SyncItem
from rituals.syncs import services
from rituals.syncs.views import live
from tests.factories import OrganisationFactory
from tests.rituals.factories import drive_sync

pytestmark = pytest.mark.django_db

# The unchanged poll skips the session; the whole request is one query once collab's middleware
# honours `skips_org_lookup` (asked of the lead: it owns collab/middleware.py).
MIDDLEWARE_SKIPS = "skips_org_lookup" in inspect.getsource(collab.middleware)


def login(membership) -> Client:
    client = Client()
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["active_org_id"] = membership.org_id
    session.save()
    return client


@pytest.fixture
def sync(org, team, pm, tech_lead):
    sync = drive_sync(org, team, pm)
    section = sync.sections.get(code="issues")
    services.item_add(sync=sync, section=section, title="Cache strategy", author=tech_lead)
    services.decision_add(sync=sync, section=section, text="Use Redis", author=pm)
    services.action_item_add(sync=sync, section=section, title="Write the ADR", owner=tech_lead)
    return sync


def url(name, sync, *extra):
    return reverse(f"rituals:{name}", args=[sync.pk, *extra])


def poll_url_from(response) -> str:
    match = re.search(r'hx-get="([^"]+/poll/[^"]+)"', response.content.decode())
    assert match, "the live region polls"
    return match.group(1).replace("&amp;", "&")


# --- Another organisation's sync is a 404 on every URL -------------------------------------------


def test_every_sync_url_is_404_for_another_organisation(sync, pm, assert_404_for_outsider):
    item, decision, action = (
        sync.items.get(),
        Decision.objects.get(sync=sync),
        ActionItem.objects.get(sync=sync),
    )
    section = sync.sections.first()
    for name in ("sync_detail", "sync_present", "sync_summary", "sync_export", "sync_close"):
        assert_404_for_outsider(url(name, sync), methods=("get",))
    for name in (
        "sync_start", "sync_next", "sync_previous", "sync_goto", "sync_pause", "sync_facilitator",
        "sync_prepare", "sync_delete", "sync_close", "sync_email", "sync_pulse",
        "item_add", "decision_add", "action_add",
    ):  # fmt: skip
        assert_404_for_outsider(url(name, sync), methods=("post",))
    for name, pk in (
        ("item_toggle", item.pk), ("item_delete", item.pk), ("decision_delete", decision.pk),
        ("action_toggle", action.pk), ("action_delete", action.pk),
    ):  # fmt: skip
        assert_404_for_outsider(url(name, sync, pk), methods=("post",))
    assert section is not None


def test_the_poll_is_404_for_another_organisation_even_with_a_leaked_address(
    sync, pm, assert_404_for_outsider
):
    leaked = poll_url_from(login(pm).get(url("sync_detail", sync)))
    assert_404_for_outsider(leaked, methods=("get",))
    assert_404_for_outsider(url("sync_poll", sync) + "?rev=0", methods=("get",))


def test_templates_and_schedules_of_another_organisation_are_404(org, pm, assert_404_for_outsider):
    template = services.template_for(org, Ritual.DRIVE)
    schedule = services.schedule_create(
        org=org, team=pm.team_memberships.get().team, weekday=0, at=time(9), facilitator=pm
    )
    assert_404_for_outsider(reverse("rituals:template_edit", args=[template.pk]), methods=("get", "post"))
    assert_404_for_outsider(reverse("rituals:template_reset", args=[template.pk]), methods=("post",))
    assert_404_for_outsider(reverse("rituals:schedule_edit", args=[schedule.pk]), methods=("get", "post"))
    for name in ("schedule_rotate", "schedule_delete"):
        assert_404_for_outsider(reverse(f"rituals:{name}", args=[schedule.pk]), methods=("post",))


# --- Only the facilitator moves the sync ------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["sync_start", "sync_next", "sync_previous", "sync_goto", "sync_pause", "sync_close"]
)
def test_moves_by_someone_else_are_forbidden(sync, tech_lead, name):
    services.sync_start(sync=sync) if name != "sync_start" else None
    response = login(tech_lead).post(
        url(name, sync), {"section": sync.sections.last().pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    sync.refresh_from_db()
    assert sync.current_section_id in (None, sync.sections.first().pk)


def test_facilitator_moves_and_gets_the_new_live_region(sync, pm):
    client = login(pm)
    response = client.post(url("sync_start", sync), {"view": "present"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="sync-live"' in response.content.decode()
    first, second = sync.sections.order_by("position")[:2]
    response = client.post(
        url("sync_next", sync), {"view": "present", "at": first.pk}, HTTP_HX_REQUEST="true"
    )
    assert "Roadmap alignment" in response.content.decode()
    sync.refresh_from_db()
    assert sync.current_section_id == second.pk
    response = client.post(url("sync_pause", sync), {"action": "pause"})
    assert response.status_code == 302
    sync.refresh_from_db()
    assert sync.paused_at is not None


def test_handing_over_makes_the_new_facilitator_the_only_one_who_moves(sync, pm, tech_lead):
    services.sync_start(sync=sync)
    assert login(tech_lead).post(url("sync_facilitator", sync), {"membership": pm.pk}).status_code == 403
    assert login(pm).post(url("sync_facilitator", sync), {"membership": tech_lead.pk}).status_code == 302
    assert login(pm).post(url("sync_next", sync)).status_code == 403
    assert login(tech_lead).post(url("sync_next", sync)).status_code == 302


def test_last_section_offers_to_close(sync, pm):
    services.sync_start(sync=sync)
    sync.refresh_from_db()
    services.sync_goto(sync=sync, section=sync.sections.order_by("position").last())
    page = login(pm).get(url("sync_present", sync)).content.decode()
    assert 'data-opens="close-dialog"' in page
    assert reverse("rituals:sync_close", args=[sync.pk]) in page


def test_closing_from_the_page_leads_to_the_summary(
    sync, pm, mailoutbox, django_capture_on_commit_callbacks, celery_eager
):
    services.sync_start(sync=sync)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(pm).post(url("sync_close", sync), {"note": "Short one"})
    assert response["Location"] == url("sync_summary", sync)
    sync.refresh_from_db()
    assert (sync.status, sync.close_note) == ("closed", "Short one")
    assert mailoutbox


# --- The poll -------------------------------------------------------------------------------------------


def test_unchanged_poll_answers_204_with_the_server_clock(sync, pm):
    client = login(pm)
    services.sync_start(sync=sync)
    poll = poll_url_from(client.get(url("sync_present", sync)))
    response = client.get(poll, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response.content == b""
    assert abs(float(response["X-Server-Now"]) / 1000 - timezone.now().timestamp()) < 5
    assert 0 <= float(response["X-Section-Elapsed"]) < 60
    assert response["X-Section-Planned"] == "600"
    assert response["X-Sync-Paused"] == "0"


def test_a_change_makes_the_poll_render_the_live_region(sync, pm, tech_lead):
    client = login(pm)
    poll = poll_url_from(client.get(url("sync_present", sync)))
    services.item_add(
        sync=sync, section=sync.sections.first(), title="Late news from sales", author=tech_lead
    )
    response = client.get(poll, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="sync-live"' in body
    sync.refresh_from_db()
    assert f"rev={sync.revision}" in body
    assert client.get(poll_url_from(response), HTTP_HX_REQUEST="true").status_code == 204


def test_unchanged_poll_view_is_one_query_and_no_session(sync, pm):
    client = login(pm)
    poll = poll_url_from(client.get(url("sync_present", sync)))
    request = RequestFactory().get(poll, HTTP_HX_REQUEST="true")
    request.COOKIES.update({k: v.value for k, v in client.cookies.items()})
    # No request.user, request.session nor request.org: touching any of them would raise.
    with CaptureQueriesContext(connection) as queries:
        response = live.sync_poll(request, sync.pk)
    assert response.status_code == 204
    assert len(queries) == 1
    assert '"rituals_sync"' in queries[0]["sql"]


@pytest.mark.xfail(
    not MIDDLEWARE_SKIPS,
    reason="collab's OrganisationMiddleware looks the organisation up on every request (session, user, "
    "membership); the lead is asked to skip it for views marked skips_org_lookup",
    strict=True,
)
def test_unchanged_poll_is_one_query_end_to_end(sync, pm):
    client = login(pm)
    poll = poll_url_from(client.get(url("sync_present", sync)))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(poll, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert len(queries) == 1


def test_a_forged_or_foreign_token_falls_back_to_the_authenticated_path(sync, pm):
    client = login(pm)
    sync.refresh_from_db()
    response = client.get(url("sync_poll", sync) + f"?rev={sync.revision}&t=forged", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Client().get(url("sync_poll", sync) + f"?rev={sync.revision}&t=forged").status_code == 302


# --- Participants -----------------------------------------------------------------------------------------


def test_team_member_adds_an_item_through_htmx(sync, tech_lead):
    section = sync.sections.get(code="roadmap")
    response = login(tech_lead).post(
        url("item_add", sync),
        {"item-section": section.pk, "item-title": "Mobile first?"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Mobile first?" in response.content.decode()
    assert SyncItem.objects.get(title="Mobile first?").author_id == tech_lead.pk


def test_an_invalid_item_comes_back_with_field_errors(sync, tech_lead):
    response = login(tech_lead).post(
        url("item_add", sync),
        {"item-section": sync.sections.first().pk, "item-title": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#form-item"
    assert 'id="id_item-title_error"' in response.content.decode()


def test_decision_and_action_item_from_the_laptop_page(sync, pm, tech_lead):
    client = login(tech_lead)
    section = sync.sections.get(code="delivery")
    due = (timezone.now() + timedelta(days=3)).date()
    client.post(
        url("decision_add", sync), {"decision-section": section.pk, "decision-text": "Ship on Tuesday"}
    )
    client.post(
        url("action_add", sync),
        {
            "action-section": section.pk,
            "action-title": "Tell support",
            "action-owner": pm.pk,
            "action-due": due,
        },
    )
    assert Decision.objects.filter(sync=sync, section=section, text="Ship on Tuesday").exists()
    assert ActionItem.objects.get(sync=sync, title="Tell support").due == due


@pytest.mark.parametrize("role", ["viewer", "outside_team"])
def test_people_outside_the_team_cannot_add(sync, make_member, role):
    membership = make_member("viewer") if role == "viewer" else make_member("engineer")
    response = login(membership).post(
        url("item_add", sync), {"item-section": sync.sections.first().pk, "item-title": "Drive-by"}
    )
    assert response.status_code == 403
    assert not SyncItem.objects.filter(title="Drive-by").exists()


def test_items_link_to_escalate_and_to_open_a_conflict(sync, tech_lead):
    page = login(tech_lead).get(url("sync_detail", sync)).content.decode()
    item = sync.items.get()
    escalate = reverse("rituals:escalation_create") + f"?item={item.pk}"
    conflict = reverse("rituals:conflict_create") + f"?item={item.pk}"
    assert escalate in page
    assert conflict in page


def test_the_laptop_page_polls_every_second(sync, tech_lead):
    page = login(tech_lead).get(url("sync_detail", sync)).content.decode()
    assert 'hx-trigger="every 1s"' in page


def test_pages_have_a_fixed_number_of_queries(sync, pm, tech_lead, django_assert_max_num_queries):
    client = login(pm)
    client.get(url("sync_detail", sync))
    with CaptureQueriesContext(connection) as few:
        client.get(url("sync_detail", sync))
    for n in range(15):
        services.item_add(sync=sync, section=sync.sections.first(), title=f"Item {n}", author=tech_lead)
        services.decision_add(sync=sync, section=sync.sections.last(), text=f"Decision {n}", author=pm)
    with CaptureQueriesContext(connection) as many:
        client.get(url("sync_detail", sync))
    assert len(many) == len(few)


# --- List, summary, export, e-mail, pulse --------------------------------------------------------------


def test_list_shows_upcoming_live_and_past_with_filters(org, team, pm, sync):
    other = drive_sync(org, team, pm, timezone.now() - timedelta(days=7))
    services.sync_start(sync=other)
    services.sync_close(sync=other, send_summary=False)
    client = login(pm)
    page = client.get(reverse("rituals:sync_list")).content.decode()
    assert sync.key in page
    assert other.key in page
    past_only = client.get(reverse("rituals:sync_list") + "?status=past").content.decode()
    assert other.key in past_only
    assert f"{sync.key} ·" not in past_only


def test_list_empty_state_says_what_to_do(org, pm):
    page = login(pm).get(reverse("rituals:sync_list")).content.decode()
    assert "No sync coming up" in page
    assert reverse("rituals:schedule_create") in page


def test_markdown_export(sync, pm):
    services.sync_start(sync=sync)
    services.sync_close(sync=sync, send_summary=False)
    response = login(pm).get(url("sync_export", sync))
    assert response["Content-Type"].startswith("text/markdown")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert body.startswith(f"# {sync.key} · DRIVE weekly Product–Tech sync")
    assert "- **Issues resolution** — Use Redis" in body
    assert "- [ ] Write the ADR" in body


def test_summary_shows_actual_vs_planned_and_answers_the_pulse(sync, pm, tech_lead):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    services.sync_start(sync=sync, now=start)
    services.sync_close(sync=sync, now=start + timedelta(minutes=13, seconds=5), send_summary=False)
    client = login(tech_lead)
    page = client.get(url("sync_summary", sync)).content.decode()
    assert "13:05" in page
    assert "+3:05" in page
    assert client.post(url("sync_pulse", sync), {"score": "4"}).status_code == 302
    assert client.post(url("sync_pulse", sync), {"score": "2"}).status_code == 302
    assert list(Pulse.objects.filter(sync=sync).values_list("score", flat=True)) == [2]


def test_email_again_is_for_the_facilitator(
    sync, pm, tech_lead, mailoutbox, django_capture_on_commit_callbacks, celery_eager
):
    services.sync_start(sync=sync)
    services.sync_close(sync=sync, send_summary=False)
    assert login(tech_lead).post(url("sync_email", sync)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert login(pm).post(url("sync_email", sync)).status_code == 302
    assert {m.to[0] for m in mailoutbox} == {pm.user.email, tech_lead.user.email}


def test_prepare_page_creates_a_sync_in_the_organisation_time_zone(org, team, pm):
    template = services.template_for(org, Ritual.DRIVE)
    response = login(pm).post(
        reverse("rituals:sync_create"),
        {"team": team.pk, "template": template.pk, "scheduled_at": "2026-07-06T10:00", "facilitator": pm.pk},
    )
    created = Sync.objects.get(org=org)
    assert response["Location"] == url("sync_detail", created)
    assert created.scheduled_at == datetime(2026, 7, 6, 8, 0, tzinfo=UTC)


def test_other_org_people_are_not_offered_as_facilitator(org, team, pm):
    stranger = OrganisationFactory()
    page = login(pm).get(reverse("rituals:sync_create")).content.decode()
    assert stranger.name not in page


def test_velocity_panel_reads_the_metrics_summary_shape():
    from metrics.views import velocity_rows

    summary = {
        "from": "2026-W06",
        "to": "2026-W09",
        "velocity": {"value": 12.5, "previous": 10.0, "trend": "up", "cohort": 7},
        "predictability": {"value": None, "previous": 0.8, "trend": None, "cohort": 0},
    }
    (row,) = velocity_rows(summary)
    assert (row["key"], row["value"], row["previous"], row["trend"]) == ("velocity", 12.5, 10.0, "up")
    assert velocity_rows(None) == []


def test_velocity_section_says_no_data_yet_without_snapshots(sync, pm):
    services.sync_start(sync=sync)
    sync.refresh_from_db()
    services.sync_goto(sync=sync, section=sync.sections.get(code="velocity"))
    client = login(pm)
    page = client.get(url("sync_present", sync)).content.decode()
    panel_url = reverse("metrics:velocity_panel", args=[sync.team.slug])
    assert f'hx-get="{panel_url}"' in page
    panel = client.get(panel_url).content.decode()
    assert "Velocity and predictability: no data yet." in panel
