from __future__ import annotations

import json
import logging
from datetime import timedelta

import httpx
import pytest
import respx
from django.utils import timezone

from integrations import crypto
from integrations.models_notices import Notice, NoticeChannel, NoticeSend
from integrations.notices import services
from integrations.notices.messages import ADAPTIVE_CARD
from rituals.conflicts import services as conflict_services
from rituals.syncs import services as sync_services
from tests.factories import OrganisationFactory, TeamFactory
from tests.rituals.factories import ConflictFactory, drive_sync

pytestmark = pytest.mark.django_db

SLACK = "https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnop"
SLACK_TEAM = "https://hooks.slack.com/services/T0001/B0002/teamchannelhook"
TEAMS = "https://contoso.webhook.office.com/webhookb2/1111@2222/IncomingWebhook/3333/4444"
ALL = [n for n in Notice.values if n != Notice.TEST]


@pytest.fixture
def leadership(org):
    return services.channel_create(org=org, provider="slack", name="#leadership", url=SLACK, notices=ALL)


@pytest.fixture
def team_channel(org, team):
    notices = [n for n in ALL if n != Notice.WEEKLY_DIGEST]
    return services.channel_create(
        org=org, provider="teams", name="Team channel", url=TEAMS, team=team, notices=notices
    )


@pytest.fixture
def hooks():
    with respx.mock(assert_all_called=False) as mock:
        mock.post(SLACK).respond(200, text="ok")
        mock.post(SLACK_TEAM).respond(200, text="ok")
        mock.post(TEAMS).respond(200, text="1")
        yield mock


@pytest.fixture
def committed(celery_eager, django_capture_on_commit_callbacks):
    """Run the block's after-commit work (signals, then the send tasks) as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def bodies(mock, url):
    return [json.loads(call.request.content) for call in mock.calls if str(call.request.url) == url]


def slack_text(body):
    return json.dumps(body["blocks"], ensure_ascii=False)


def test_the_url_is_stored_encrypted_and_shown_masked(leadership):
    assert SLACK.encode() not in bytes(leadership.url_encrypted)
    assert crypto.decrypt(leadership.url_encrypted) == SLACK
    assert leadership.url_hint == "hooks.slack.com/…mnop"


def test_level_2_escalation_goes_to_the_leadership_channel_as_block_kit(
    hooks, committed, leadership, team_channel, team, pm, settings
):
    settings.SITE_URL = "https://rituals.example.com/"
    conflict = ConflictFactory(team=team, category="budget", title="Cloud bill vs roadmap")
    with committed():
        escalation = conflict_services.escalation_open_from_conflict(
            conflict=conflict, by=pm, context="We need €20k"
        )
    assert escalation.level == 2
    [body] = bodies(hooks, SLACK)
    assert not bodies(hooks, TEAMS)  # level 2: the leadership decides, not the team
    assert body["text"] == f"Escalation {escalation.key} waits for a decision: Cloud bill vs roadmap"
    assert body["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": body["text"]}}
    assert body["blocks"][1]["text"] == {"type": "mrkdwn", "text": "We need €20k"}
    fields = [f["text"] for f in body["blocks"][2]["fields"]]
    assert "*Who decides*\nLevel 2: VP Product + CTO" in fields
    assert f"*Team*\n{team.name}" in fields
    [button, inbox] = body["blocks"][3]["elements"]
    assert button["url"] == f"https://rituals.example.com/escalations/{escalation.pk}/"
    assert button["style"] == "primary"
    assert inbox["url"].endswith("/escalations/inbox/")
    send = NoticeSend.objects.get(channel=leadership)
    assert (send.notice, send.status, send.attempts) == ("escalation_opened", "sent", 1)
    assert send.sent_at is not None


def test_level_1_escalation_goes_to_the_team_channel_as_an_adaptive_card(
    hooks, committed, leadership, team_channel, team, pm
):
    conflict = ConflictFactory(team=team, category="scope", title="Scope of the checkout")
    with committed():
        escalation = conflict_services.escalation_open_from_conflict(conflict=conflict, by=pm)
    assert escalation.level == 1
    assert not bodies(hooks, SLACK)
    [body] = bodies(hooks, TEAMS)
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert (
        card["body"][0]["text"] == f"Escalation {escalation.key} waits for a decision: Scope of the checkout"
    )
    facts = {fact["title"]: fact["value"] for fact in card["body"][1]["facts"]}
    assert facts["Who decides"] == "Level 1: PM + Tech Lead"
    assert facts["Raised from"] == f"conflict {conflict.key}"
    assert card["actions"][0]["type"] == "Action.OpenUrl"
    assert card["actions"][0]["url"].endswith(f"/escalations/{escalation.pk}/")


def test_passing_an_escalation_up_announces_it_to_the_next_level(
    hooks, committed, leadership, team_channel, team, pm, make_member
):
    tech_lead = make_member("tech_lead", team=team)
    conflict = ConflictFactory(team=team, category="scope")
    with committed():
        escalation = conflict_services.escalation_open_from_conflict(conflict=conflict, by=pm)
    with committed():
        conflict_services.escalation_raise(escalation=escalation, by=tech_lead)
    assert len(bodies(hooks, TEAMS)) == 1
    [body] = bodies(hooks, SLACK)
    assert "Level 2: VP Product + CTO" in slack_text(body)


def test_decided_goes_to_the_team_and_above_level_1_to_leadership(
    hooks, committed, leadership, team_channel, team, pm, make_member
):
    cto = make_member("cto", name="Camille Martin")
    conflict = ConflictFactory(team=team, category="budget")
    escalation = conflict_services.escalation_open_from_conflict(conflict=conflict, by=pm)
    with committed():
        conflict_services.escalation_decide(escalation=escalation, by=cto, decision="Ship in July.")
    [slack_body] = bodies(hooks, SLACK)
    [teams_body] = bodies(hooks, TEAMS)
    assert slack_body["text"] == f"{escalation.key} decided: {escalation.title}"
    assert "Ship in July." in slack_text(slack_body)
    assert "*Decided by*\\nCamille Martin" in slack_text(slack_body)
    assert teams_body["attachments"][0]["content"]["body"][1]["text"] == "Ship in July."


def test_sync_started_has_the_laptop_link_and_the_summary_lists_decisions_and_actions(
    hooks, committed, team_channel, org, team, pm
):
    sync = drive_sync(org, team, pm)
    with committed():
        sync = sync_services.sync_start(sync=sync)
    [started] = bodies(hooks, TEAMS)
    card = started["attachments"][0]["content"]
    assert card["body"][0]["text"].startswith(f"The sync {sync.key} · ")
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Join from your laptop", "url": card["actions"][0]["url"]}
    ]
    assert card["actions"][0]["url"].endswith(f"/rituals/syncs/{sync.pk}/")
    section = sync.sections.order_by("position").first()
    sync_services.decision_add(sync=sync, section=section, text="Drop the legacy export", author=pm)
    sync_services.action_item_add(sync=sync, section=section, title="Tell sales", owner=pm)
    with committed():
        sync_services.sync_close(sync=sync, send_summary=False)
    summary = bodies(hooks, TEAMS)[1]["attachments"][0]["content"]
    assert summary["body"][0]["text"].startswith(f"Summary of the sync {sync.key}")
    assert "• Drop the legacy export" in summary["body"][1]["text"]
    assert f"• Tell sales ({pm.user.get_full_name()})" in summary["body"][1]["text"]
    facts = {fact["title"]: fact["value"] for fact in summary["body"][2]["facts"]}
    assert (facts["Decisions"], facts["Action items"]) == ("1", "1")


def test_notices_are_in_the_organisations_language(hooks, committed, org, team, pm):
    org.language = "fr"
    org.save(update_fields=["language"])
    services.channel_create(org=org, provider="slack", name="#direction", url=SLACK, notices=ALL)
    conflict = ConflictFactory(team=team, category="budget", title="Budget cloud")
    with committed():
        escalation = conflict_services.escalation_open_from_conflict(conflict=conflict, by=pm)
    [body] = bodies(hooks, SLACK)
    assert body["text"] == f"L’escalade {escalation.key} attend une décision : Budget cloud"
    assert "*Qui décide*" in slack_text(body)


def test_a_channel_not_taking_a_notice_or_paused_gets_nothing(hooks, committed, org, team, pm):
    services.channel_create(org=org, provider="slack", name="a", url=SLACK, notices=[Notice.SYNC_STARTED])
    paused = services.channel_create(org=org, provider="slack", name="b", url=SLACK_TEAM, notices=ALL)
    services.channel_pause(channel=paused, paused=True)
    with committed():
        conflict_services.escalation_open_from_conflict(
            conflict=ConflictFactory(team=team, category="budget"), by=pm
        )
    assert not hooks.calls
    assert not NoticeSend.objects.exists()


def test_another_organisations_events_never_reach_a_channel(hooks, committed, leadership, make_member):
    other = OrganisationFactory()
    other_team = TeamFactory(org=other)
    other_pm = make_member("pm", organisation=other, team=other_team)
    with committed():
        conflict_services.escalation_open_from_conflict(
            conflict=ConflictFactory(team=other_team, category="budget"), by=other_pm
        )
    assert not hooks.calls


def test_text_from_people_cannot_ping_a_whole_slack_channel(hooks, committed, leadership, team, pm):
    conflict = ConflictFactory(team=team, category="budget", title="<!channel> & <https://x|click>")
    with committed():
        conflict_services.escalation_open_from_conflict(conflict=conflict, by=pm, context="<!here> look")
    [body] = bodies(hooks, SLACK)
    assert body["text"].startswith(
        "Escalation E-1 waits for a decision: &lt;!channel&gt; &amp; &lt;https://x|click&gt;"
    )
    assert body["blocks"][1]["text"]["text"] == "&lt;!here&gt; look"
    assert "<!" not in json.dumps(body["blocks"][1:])


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_transient_failure_is_retried_until_it_goes_through(celery_eager, leadership, status):
    with respx.mock() as mock:
        route = mock.post(SLACK).mock(
            side_effect=[httpx.Response(status), httpx.Response(status), httpx.Response(200, text="ok")]
        )
        send = services.test_send(channel=leadership)
        from integrations.notices.tasks import notice_send

        notice_send.apply(kwargs={"send_pk": send.pk})
    assert route.call_count == 3
    send.refresh_from_db()
    assert (send.status, send.attempts, send.error) == ("sent", 3, "")


def test_a_timeout_is_retried_then_recorded_as_failed(celery_eager, leadership, settings):
    from integrations.notices.tasks import notice_send

    with respx.mock() as mock:
        route = mock.post(SLACK).mock(side_effect=httpx.ReadTimeout("slow"))
        send = services.test_send(channel=leadership)
        notice_send.apply(kwargs={"send_pk": send.pk})
    assert route.call_count == settings.NOTICES_MAX_RETRIES + 1
    send.refresh_from_db()
    assert (send.status, send.error, send.error_detail) == ("failed", "timeout", "ReadTimeout")
    assert send.attempts == settings.NOTICES_MAX_RETRIES + 1


def test_a_refusal_is_not_retried_and_keeps_what_slack_said(celery_eager, leadership, caplog):
    from integrations.notices.tasks import notice_send

    with respx.mock() as mock, caplog.at_level(logging.DEBUG):
        route = mock.post(SLACK).respond(404, text="no_service")
        send = services.test_send(channel=leadership)
        notice_send.apply(kwargs={"send_pk": send.pk})
    assert "B0001" not in caplog.text  # the webhook URL is a secret: never logged
    assert route.call_count == 1
    send.refresh_from_db()
    assert (send.status, send.error, send.error_detail, send.attempts) == (
        "failed",
        "http_status",
        "404 no_service",
        1,
    )


def test_send_again_posts_the_same_message(celery_eager, django_capture_on_commit_callbacks, leadership):
    from integrations.notices.tasks import notice_send

    with respx.mock() as mock:
        mock.post(SLACK).respond(410, text="channel_is_archived")
        send = services.test_send(channel=leadership)
        notice_send.apply(kwargs={"send_pk": send.pk})
    send.refresh_from_db()
    assert send.status == "failed"
    with respx.mock() as mock:
        route = mock.post(SLACK).respond(200, text="ok")
        with django_capture_on_commit_callbacks(execute=True):
            services.send_again(send=send)
    send.refresh_from_db()
    assert (send.status, send.attempts, send.error) == ("sent", 2, "")
    assert json.loads(route.calls.last.request.content) == send.payload


def test_a_sent_message_is_not_sent_twice(celery_eager, leadership):
    from integrations.notices.tasks import notice_send

    with respx.mock() as mock:
        route = mock.post(SLACK).respond(200, text="ok")
        send = services.test_send(channel=leadership)
        notice_send.apply(kwargs={"send_pk": send.pk})
        notice_send.apply(kwargs={"send_pk": send.pk})
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("retries", "retry_after", "seconds"),
    [(0, None, 30), (1, None, 60), (3, None, 240), (2, 600, 600), (10, None, 3600)],
)
def test_backoff_is_exponential_and_honours_retry_after(retries, retry_after, seconds):
    assert services.backoff_seconds(retries, retry_after) == seconds


def test_a_conflict_open_too_long_is_flagged_once_per_channel(
    celery_eager, django_capture_on_commit_callbacks, org, team, team_channel, leadership
):
    now = timezone.now()
    old = ConflictFactory(team=team, title="Old one", opened_at=now - timedelta(days=9))
    ConflictFactory(team=team, opened_at=now - timedelta(days=1))
    ConflictFactory(team=team, opened_at=now - timedelta(days=30), resolved_at=now)
    team_channel.conflict_days = 14
    team_channel.save(update_fields=["conflict_days"])
    with respx.mock(assert_all_called=False) as mock:
        slack = mock.post(SLACK).respond(200, text="ok")
        teams = mock.post(TEAMS).respond(200, text="1")
        with django_capture_on_commit_callbacks(execute=True):
            services.conflicts_stale_check(now=now)
            services.conflicts_stale_check(now=now + timedelta(days=1))
        assert slack.call_count == 1  # 7 days on the organisation's channel
        body = json.loads(slack.calls.last.request.content)
        assert body["text"] == f"Conflict {old.key} has been open for 9 days"
        assert teams.call_count == 0  # 14 days on the team's
        with django_capture_on_commit_callbacks(execute=True):
            services.conflicts_stale_check(now=now + timedelta(days=5))
        assert (slack.call_count, teams.call_count) == (1, 1)


def test_a_url_that_is_not_the_providers_is_refused_by_the_service(org):
    with pytest.raises(ValueError, match="incoming webhook"):
        services.channel_create(org=org, provider="slack", name="x", url="https://evil.test/services/x")
    assert not NoticeChannel.objects.exists()


def test_the_weekly_digest_never_goes_to_a_team_channel(org, team):
    channel = services.channel_create(
        org=org, provider="slack", name="x", url=SLACK, team=team, notices=["weekly_digest", "sync_started"]
    )
    assert channel.notices == ["sync_started"]


def test_a_teams_200_saying_delivery_failed_is_retried(celery_eager, team_channel):
    from integrations.notices.tasks import notice_send

    said = "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429"
    with respx.mock() as mock:
        route = mock.post(TEAMS).mock(
            side_effect=[httpx.Response(200, text=said), httpx.Response(200, text="1")]
        )
        send = services.test_send(channel=team_channel)
        notice_send.apply(kwargs={"send_pk": send.pk})
    assert route.call_count == 2
    send.refresh_from_db()
    assert (send.status, send.attempts) == ("sent", 2)
