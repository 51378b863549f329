from __future__ import annotations

import json

import pytest
import respx

from collab.audit import audit_sentence
from collab.models import AuditEvent
from integrations import crypto
from integrations.models_notices import NoticeChannel, NoticeSend
from integrations.notices import services

pytestmark = pytest.mark.django_db

SLACK = "https://hooks.slack.com/services/T0001/B0001/pagespagespages"
TEAMS = "https://contoso.webhook.office.com/webhookb2/pages/IncomingWebhook/1/2"


def form(**changes):
    data = {
        "provider": "slack",
        "url": SLACK,
        "name": "#leadership",
        "team": "",
        "notices": ["escalation_opened", "weekly_digest"],
        "conflict_days": "7",
    }
    return data | changes


@pytest.fixture
def channel(org):
    return services.channel_create(
        org=org, provider="slack", name="#leadership", url=SLACK, notices=["weekly_digest"]
    )


def test_adding_a_channel_keeps_the_url_encrypted_and_shows_it_masked(client_for, ops):
    client = client_for(ops)
    response = client.post("/settings/notices/", form())
    channel = NoticeChannel.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/settings/notices/{channel.pk}/"
    assert crypto.decrypt(channel.url_encrypted) == SLACK
    assert channel.notices == ["escalation_opened", "weekly_digest"]
    for page in (client.get("/settings/notices/"), client.get(f"/settings/notices/{channel.pk}/")):
        html = page.content.decode()
        assert "hooks.slack.com/…ages" in html
        assert SLACK not in html
        assert "B0001" not in html


@pytest.mark.parametrize(
    ("provider", "url", "error"),
    [
        ("slack", "http://hooks.slack.com/services/T/B/x", "must start with https://"),
        ("slack", "https://hooks.slack.com.evil.test/services/T/B/x", "is not an incoming webhook of Slack"),
        ("slack", "https://evil.test/services/T/B/x", "is not an incoming webhook of Slack"),
        ("slack", "https://hooks.slack.com/api/chat.postMessage", "is not an incoming webhook of Slack"),
        ("slack", "https://hooks.slack.com:8443/services/T/B/x", "is not an incoming webhook of Slack"),
        ("slack", "https://user:pw@hooks.slack.com/services/T/B/x", "Paste the whole incoming-webhook URL"),
        ("slack", TEAMS, "is not an incoming webhook of Slack"),
        ("teams", SLACK, "is not an incoming webhook of Microsoft Teams"),
        ("teams", "https://127.0.0.1/webhookb2/x", "is not an incoming webhook of Microsoft Teams"),
        ("teams", "http://127.0.0.1:8080/hook", "must start with https://"),
        ("slack", "hooks.slack.com/services/T/B/x", "must start with https://"),
        ("slack", "https://hooks.slack.com/services/T/B/" + "x" * 2000, "at most 1000 characters"),
        ("slack", "https://[::1/services", "Paste the whole incoming-webhook URL"),
    ],
)
def test_a_url_that_is_not_the_providers_incoming_webhook_is_a_field_error(
    client_for, ops, provider, url, error
):
    response = client_for(ops).post("/settings/notices/", form(provider=provider, url=url))
    assert response.status_code == 400
    assert error in " ".join(response.context["form"].errors["url"])
    assert not NoticeChannel.objects.exists()


def test_a_local_url_is_accepted_only_when_the_setting_allows_it(client_for, ops, settings):
    local = "http://127.0.0.1:8765/hook"
    assert client_for(ops).post("/settings/notices/", form(url=local)).status_code == 400
    settings.NOTICES_ALLOW_LOCAL_URLS = True
    assert client_for(ops).post("/settings/notices/", form(url=local)).status_code == 302


@pytest.mark.parametrize(
    "changes",
    [
        {"conflict_days": "0"},
        {"conflict_days": "99999999999999999999999"},
        {"conflict_days": "seven"},
        {"notices": ["nonsense"]},
        {"provider": "discord"},
        {"team": "999999999"},
        {"name": ""},
        {"url": ""},
    ],
)
def test_bad_input_is_a_field_error_never_a_500(client_for, ops, changes):
    response = client_for(ops).post("/settings/notices/", form(**changes))
    assert response.status_code == 400
    assert not NoticeChannel.objects.exists()


def test_nul_bytes_are_refused(client_for, ops):
    response = client_for(ops).post("/settings/notices/", form(name="a\x00b", url=SLACK + "\x00"))
    assert response.status_code == 400
    assert not NoticeChannel.objects.exists()


def test_a_team_channel_cannot_take_the_leadership_digest(client_for, ops, team):
    response = client_for(ops).post("/settings/notices/", form(team=team.pk))
    assert response.status_code == 400
    assert "organisation's channel" in " ".join(response.context["form"].errors["notices"])


def test_a_team_of_another_organisation_is_refused(client_for, ops):
    from tests.factories import TeamFactory

    response = client_for(ops).post(
        "/settings/notices/", form(team=TeamFactory().pk, notices=["sync_started"])
    )
    assert response.status_code == 400
    assert not NoticeChannel.objects.exists()


@pytest.mark.parametrize("role", ["pm", "engineer", "viewer", "engineering_manager", "tech_lead"])
def test_only_product_ops_and_leadership_manage_channels(client_for, make_member, channel, role):
    client = client_for(make_member(role))
    assert client.get("/settings/notices/").status_code == 403
    assert client.post("/settings/notices/", form()).status_code == 403
    assert client.post(f"/settings/notices/{channel.pk}/delete/").status_code == 403
    assert client.post(f"/settings/notices/{channel.pk}/test/").status_code == 403
    assert NoticeChannel.objects.count() == 1


@pytest.mark.parametrize("role", ["cto", "ceo", "vp_product", "cpo", "product_ops"])
def test_product_ops_and_leadership_may(client_for, make_member, role):
    assert client_for(make_member(role)).get("/settings/notices/").status_code == 200


def test_another_organisations_channel_is_404(assert_404_for_outsider, channel):
    send = NoticeSend.objects.create(channel=channel, notice="test", status="failed", payload={"text": "x"})
    base = f"/settings/notices/{channel.pk}/"
    assert_404_for_outsider(base, methods=("get", "post"))
    for action in ("url/", "test/", "pause/", "delete/", f"sends/{send.pk}/again/"):
        assert_404_for_outsider(base + action, methods=("post",))
    channel.refresh_from_db()
    assert channel.paused is False
    assert NoticeSend.objects.get().status == "failed"


def test_a_send_of_another_channel_is_404(client_for, ops, org, channel):
    other = services.channel_create(org=org, provider="teams", name="t", url=TEAMS)
    send = NoticeSend.objects.create(channel=other, notice="test", status="failed", payload={})
    response = client_for(ops).post(f"/settings/notices/{channel.pk}/sends/{send.pk}/again/")
    assert response.status_code == 404


def test_the_test_button_queues_the_message_and_a_worker_posts_it(
    client_for, ops, channel, celery_eager, django_capture_on_commit_callbacks
):
    client = client_for(ops)
    with respx.mock() as mock:
        route = mock.post(SLACK).respond(200, text="ok")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/settings/notices/{channel.pk}/test/")
    assert response.status_code == 302
    body = json.loads(route.calls.last.request.content)
    assert body["text"] == "Test message: #leadership is connected"
    page = client.get(f"/settings/notices/{channel.pk}/").content.decode()
    assert "Test message: #leadership is connected" in page
    assert "sent" in page


def test_the_request_never_posts_itself_even_when_the_broker_is_down(
    client_for, ops, channel, broker_down, django_capture_on_commit_callbacks
):
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(SLACK).respond(200, text="ok")
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(ops).post(f"/settings/notices/{channel.pk}/test/")
    assert response.status_code == 302
    assert route.call_count == 0
    assert NoticeSend.objects.get().status == "pending"


def test_failures_are_listed_with_send_again(
    client_for, ops, channel, celery_eager, django_capture_on_commit_callbacks
):
    failed = NoticeSend.objects.create(
        channel=channel,
        notice="weekly_digest",
        subject="Weekly digest · Acme · 2026-W49",
        status="failed",
        attempts=6,
        error="http_status",
        error_detail="503 upstream",
        payload={"text": "Weekly digest"},
    )
    NoticeSend.objects.create(channel=channel, notice="test", subject="ok one", status="sent", payload={})
    client = client_for(ops)
    page = client.get(f"/settings/notices/{channel.pk}/").content.decode()
    assert "the tool answered an error" in page
    assert "503 upstream" in page
    assert "6 attempts" in page
    assert page.count("Send again") == 1
    with respx.mock() as mock:
        route = mock.post(SLACK).respond(200, text="ok")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/settings/notices/{channel.pk}/sends/{failed.pk}/again/")
    assert response.status_code == 302
    assert json.loads(route.calls.last.request.content) == {"text": "Weekly digest"}
    failed.refresh_from_db()
    assert failed.status == "sent"


def test_edit_replace_url_pause_and_delete(client_for, ops, channel, team):
    client = client_for(ops)
    response = client.post(
        f"/settings/notices/{channel.pk}/",
        {
            "name": "#product",
            "team": team.pk,
            "notices": ["sync_started", "sync_closed"],
            "conflict_days": "3",
        },
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.team, channel.notices, channel.conflict_days) == (
        "#product",
        team,
        ["sync_started", "sync_closed"],
        3,
    )
    assert (
        client.post(f"/settings/notices/{channel.pk}/url/", {"url": "https://evil.test/x"}).status_code == 400
    )
    new = "https://hooks.slack.com/services/T0001/B0009/replacedreplaced"
    assert client.post(f"/settings/notices/{channel.pk}/url/", {"url": new}).status_code == 302
    channel.refresh_from_db()
    assert services.channel_url(channel) == new
    assert channel.url_hint == "hooks.slack.com/…aced"
    client.post(f"/settings/notices/{channel.pk}/pause/")
    channel.refresh_from_db()
    assert channel.paused
    client.post(f"/settings/notices/{channel.pk}/delete/")
    assert not NoticeChannel.objects.exists()
    events = AuditEvent.objects.filter(org=ops.org, actor=ops).order_by("at", "id")
    assert [(e.action, e.target) for e in events] == [
        ("notice_channel_url_replaced", "#product"),
        ("notice_channel_deleted", "#product"),
    ]
    assert audit_sentence(events[0]) == "replaced the webhook URL of the channel #product"


def test_adding_a_channel_is_in_the_audit_log(client_for, ops):
    client_for(ops).post("/settings/notices/", form())
    event = AuditEvent.objects.get(org=ops.org)
    assert (event.actor, event.action) == (ops, "notice_channel_added")
    assert audit_sentence(event) == "added the Slack channel #leadership for notices"
    assert SLACK not in str(event.details)


def test_the_connections_page_links_to_slack_and_teams(client_for, ops):
    assert "/settings/notices/" in client_for(ops).get("/settings/connections/").content.decode()
