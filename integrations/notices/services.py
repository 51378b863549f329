"""Writes of the notices: channels (create, change, replace the URL, pause, delete), the messages
queued for them when something happens, one attempt at sending, and the beat's checks (conflicts
open too long, the Monday digest)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from collab.audit import Action, audit_record
from collab.models import Membership, Organisation, Team
from integrations import crypto
from integrations.models_notices import Notice, NoticeChannel, NoticeSend
from integrations.notices import compose, selectors, webhooks
from integrations.notices.messages import Message, render
from metrics.services import current_week, shift_week

logger = logging.getLogger(__name__)

ORG_ONLY = {Notice.WEEKLY_DIGEST}
MAX_BACKOFF = 3600
DIGEST_HOUR = 9


# --- channels --------------------------------------------------------------------------------------


def _clean_notices(notices: Iterable[str], team: Team | None) -> list[str]:
    chosen = [n for n in Notice.values if n in set(notices) and n != Notice.TEST]
    return [n for n in chosen if team is None or n not in ORG_ONLY]


@transaction.atomic
def channel_create(
    *,
    org: Organisation,
    provider: str,
    name: str,
    url: str,
    team: Team | None = None,
    notices: Iterable[str] = (),
    conflict_days: int = 7,
    by: Membership | None = None,
) -> NoticeChannel:
    if provider not in NoticeChannel.Provider.values:
        raise ValueError(f"unknown provider {provider}")
    if team is not None and team.org_id != org.pk:
        raise ValueError("team of another organisation")
    if webhooks.url_refusal(provider, url) is not None:
        raise ValueError("not an incoming webhook of the provider")
    channel = NoticeChannel.objects.create(
        org=org,
        team=team,
        provider=provider,
        name=(name.strip() or NoticeChannel.Provider(provider).label)[:120],
        url_encrypted=crypto.encrypt(url),
        url_hint=webhooks.url_hint(url),
        notices=_clean_notices(notices, team),
        conflict_days=conflict_days,
    )
    audit_record(
        org=org,
        actor=by,
        action=Action.NOTICE_CHANNEL_ADDED,
        target=channel.name,
        details={"provider": channel.get_provider_display(), "name": channel.name},
    )
    return channel


def channel_url(channel: NoticeChannel) -> str:
    return crypto.decrypt(channel.url_encrypted)


@transaction.atomic
def channel_update(
    *, channel: NoticeChannel, name: str, team: Team | None, notices: Iterable[str], conflict_days: int
) -> NoticeChannel:
    if team is not None and team.org_id != channel.org_id:
        raise ValueError("team of another organisation")
    channel.name = (name.strip() or channel.get_provider_display())[:120]
    channel.team = team
    channel.notices = _clean_notices(notices, team)
    channel.conflict_days = conflict_days
    channel.save(update_fields=["name", "team", "notices", "conflict_days"])
    return channel


@transaction.atomic
def channel_replace_url(*, channel: NoticeChannel, url: str, by: Membership | None = None) -> NoticeChannel:
    if webhooks.url_refusal(channel.provider, url) is not None:
        raise ValueError("not an incoming webhook of the provider")
    channel.url_encrypted, channel.url_hint = crypto.encrypt(url), webhooks.url_hint(url)
    channel.save(update_fields=["url_encrypted", "url_hint"])
    audit_record(
        org=channel.org,
        actor=by,
        action=Action.NOTICE_CHANNEL_URL_REPLACED,
        target=channel.name,
        details={"name": channel.name},
    )
    return channel


@transaction.atomic
def channel_pause(*, channel: NoticeChannel, paused: bool) -> NoticeChannel:
    channel.paused = paused
    channel.save(update_fields=["paused"])
    return channel


@transaction.atomic
def channel_delete(*, channel: NoticeChannel, by: Membership | None = None) -> None:
    audit_record(
        org=channel.org,
        actor=by,
        action=Action.NOTICE_CHANNEL_DELETED,
        target=channel.name,
        details={"name": channel.name},
    )
    channel.delete()


# --- queueing --------------------------------------------------------------------------------------


def _enqueue(send_pk: int) -> None:
    from integrations.notices.tasks import notice_send  # the tasks call these services

    try:
        notice_send.apply_async(kwargs={"send_pk": send_pk}, retry=False)
    except (KombuError, RedisError, OSError) as exc:
        # The message waits in the database; the channel's page offers "send again".
        logger.warning("notice %s not queued (%s): it stays waiting", send_pk, exc)


def notice_queue(
    *,
    channels: Iterable[NoticeChannel],
    org: Organisation,
    notice: str,
    key: str,
    build: Callable[[], Message],
) -> list[NoticeSend]:
    """Render the message once (in the organisation's language) and queue it for each channel; a
    channel that already has `key` gets nothing (a conflict flagged, a week's digest sent)."""
    channels = list(channels)
    if not channels:
        return []
    with translation.override(org.language or settings.LANGUAGE_CODE):
        message = build()
    queued = []
    for channel in channels:
        try:
            with transaction.atomic():
                send = NoticeSend.objects.create(
                    channel=channel,
                    notice=notice,
                    key=key[:120],
                    subject=message.title[:300],
                    payload=render(channel.provider, message),
                )
                transaction.on_commit(partial(_enqueue, send.pk), robust=True)
        except IntegrityError:
            continue  # already sent to this channel
        queued.append(send)
    return queued


def test_send(*, channel: NoticeChannel) -> NoticeSend:
    org = channel.org
    with translation.override(org.language or settings.LANGUAGE_CODE):
        message = compose.test_message(channel)
    with transaction.atomic():
        send = NoticeSend.objects.create(
            channel=channel,
            notice=Notice.TEST,
            subject=message.title[:300],
            payload=render(channel.provider, message),
        )
        transaction.on_commit(partial(_enqueue, send.pk), robust=True)
    return send


def send_again(*, send: NoticeSend) -> NoticeSend:
    """A failed message (or one lost on the way to a worker) goes back to waiting and is queued."""
    if not selectors.may_send_again(send):
        return send
    with transaction.atomic():
        send.status, send.error, send.error_detail = NoticeSend.Status.PENDING, "", ""
        send.created_at = timezone.now()
        send.save(update_fields=["status", "error", "error_detail", "created_at"])
        transaction.on_commit(partial(_enqueue, send.pk), robust=True)
    return send


# --- events ----------------------------------------------------------------------------------------


def escalation_opened(*, escalation_id: int, level: int) -> list[NoticeSend]:
    """To the channel of the level's deciders: the team's at level 1 (the organisation's when the
    escalation has no team), the organisation's at levels 2 and 3."""
    escalation = selectors.escalation(escalation_id)
    if escalation is None or escalation.decided_at is not None:
        return []
    team = escalation.team
    to_team = escalation.level == 1 and team is not None
    channels = selectors.channels_taking(
        org_id=escalation.org_id,
        notice=Notice.ESCALATION_OPENED,
        team_id=team.pk if to_team and team else None,
        org_wide=not to_team,
    )
    return notice_queue(
        channels=channels,
        org=escalation.org,
        notice=Notice.ESCALATION_OPENED,
        key=f"escalation_opened:{escalation.pk}:{escalation.level}",
        build=lambda: compose.escalation_opened(escalation),
    )


def escalation_decided(*, escalation_id: int) -> list[NoticeSend]:
    """To the team's channel and, above level 1, the organisation's."""
    escalation = selectors.escalation(escalation_id)
    if escalation is None or escalation.decided_at is None:
        return []
    team = escalation.team
    channels = selectors.channels_taking(
        org_id=escalation.org_id,
        notice=Notice.ESCALATION_DECIDED,
        team_id=team.pk if team else None,
        org_wide=escalation.level > 1 or team is None,
    )
    return notice_queue(
        channels=channels,
        org=escalation.org,
        notice=Notice.ESCALATION_DECIDED,
        key=f"escalation_decided:{escalation.pk}",
        build=lambda: compose.escalation_decided(escalation),
    )


def _sync_notice(*, sync_id: int, notice: str, build: Callable[..., Message]) -> list[NoticeSend]:
    sync = selectors.sync(sync_id)
    if sync is None:
        return []
    channels = selectors.channels_taking(
        org_id=sync.org_id, notice=notice, team_id=sync.team_id, org_wide=sync.team_id is None
    )
    return notice_queue(
        channels=channels, org=sync.org, notice=notice, key=f"{notice}:{sync.pk}", build=lambda: build(sync)
    )


def sync_started(*, sync_id: int) -> list[NoticeSend]:
    return _sync_notice(sync_id=sync_id, notice=Notice.SYNC_STARTED, build=compose.sync_started)


def sync_closed(*, sync_id: int) -> list[NoticeSend]:
    return _sync_notice(sync_id=sync_id, notice=Notice.SYNC_CLOSED, build=compose.sync_closed)


def conflicts_stale_check(*, now: datetime | None = None) -> int:
    """Flag, once per channel, each unresolved conflict open longer than the channel's N days (the
    team's conflicts on a team's channel, all of them on the organisation's)."""
    now = now or timezone.now()
    queued = 0
    for channel in selectors.channels_for_everyone(notice=Notice.CONFLICT_STALE):
        flagged = selectors.keys_sent(channel=channel, prefix=f"{Notice.CONFLICT_STALE}:")
        for conflict in selectors.conflicts_open_since(
            channel=channel, before=now - timedelta(days=channel.conflict_days)
        ):
            key = f"{Notice.CONFLICT_STALE}:{conflict.pk}"
            if key in flagged:
                continue
            queued += len(
                notice_queue(
                    channels=[channel],
                    org=channel.org,
                    notice=Notice.CONFLICT_STALE,
                    key=key,
                    build=partial(compose.conflict_stale, conflict, now=now),
                )
            )
    return queued


def digest_due(org: Organisation, now: datetime) -> bool:
    """Monday, 9:00 to 9:59, in the organisation's time zone."""
    try:
        local = now.astimezone(ZoneInfo(org.time_zone))
    except (KeyError, ValueError):
        return False
    return local.isoweekday() == 1 and local.hour == DIGEST_HOUR


def digests_send(*, now: datetime | None = None) -> list[int]:
    """Queue the weekly digest for each organisation where it is Monday 9 o'clock now and this
    week's has not gone yet; the ids of the organisations served. Run by the beat every 15 minutes."""
    now = now or timezone.now()
    served = []
    for org in selectors.orgs_taking_digest():
        if not digest_due(org, now):
            continue
        this_week = current_week(org, now=now)
        last_week = shift_week(this_week, -1)
        sends = notice_queue(
            channels=selectors.channels_taking(
                org_id=org.pk, notice=Notice.WEEKLY_DIGEST, team_id=None, org_wide=True
            ),
            org=org,
            notice=Notice.WEEKLY_DIGEST,
            key=f"{Notice.WEEKLY_DIGEST}:{this_week}",
            build=partial(compose.digest, org, week=last_week),
        )
        if sends:
            served.append(org.pk)
    return served


# --- sending ---------------------------------------------------------------------------------------


def backoff_seconds(retries: int, retry_after: float | None = None) -> int:
    """NOTICES_RETRY_SECONDS × 2^retries (30 s, 1 min, 2 min…), at most an hour; longer when the
    provider asked for it (Retry-After)."""
    delay = settings.NOTICES_RETRY_SECONDS * 2**retries
    if retry_after is not None:
        delay = max(delay, int(retry_after))
    return int(min(delay, MAX_BACKOFF))


def send_attempt(*, send_pk: int, final: bool) -> webhooks.Outcome | None:
    """POST the message once and record how it went; None when there is nothing to send (sent
    already, deleted, or its channel paused). A failure a later try may fix leaves it waiting
    unless this was the `final` try."""
    send = NoticeSend.objects.select_related("channel").filter(pk=send_pk).first()
    if send is None or send.status == NoticeSend.Status.SENT or send.channel.paused:
        return None
    url = channel_url(send.channel)
    if webhooks.url_refusal(send.channel.provider, url) is not None:
        outcome = webhooks.Outcome(ok=False, error=webhooks.URL_REFUSED)
    else:
        outcome = webhooks.post(url, send.payload)
    now = timezone.now()
    if outcome.ok:
        status = NoticeSend.Status.SENT
    elif outcome.retry and not final:
        status = NoticeSend.Status.PENDING
    else:
        status = NoticeSend.Status.FAILED
    NoticeSend.objects.filter(pk=send.pk).update(
        status=status,
        attempts=F("attempts") + 1,
        attempted_at=now,
        sent_at=now if outcome.ok else None,
        error=outcome.error,
        error_detail=outcome.detail[:300],
    )
    return outcome
