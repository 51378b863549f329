"""Reads of the notices, each scoped to an organisation (or to one record the beat or a signal
names), and the records of the apps below that the notices speak of."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from collab.models import Organisation
from integrations.models_notices import Notice, NoticeChannel, NoticeSend
from rituals.models import Conflict, Escalation, Sync

RECENT_SENDS = 50
STUCK_AFTER = timedelta(minutes=10)


def channel_list(*, org: Organisation) -> QuerySet[NoticeChannel]:
    return NoticeChannel.objects.filter(org=org).select_related("team")


def recent_sends(*, channel: NoticeChannel) -> list[NoticeSend]:
    return list(
        NoticeSend.objects.filter(channel=channel)
        .defer("payload")
        .order_by("-created_at", "-id")[:RECENT_SENDS]
    )


def send_of(*, org: Organisation, channel_id: UUID, pk: int) -> QuerySet[NoticeSend]:
    return NoticeSend.objects.filter(channel__org=org, channel_id=channel_id, pk=pk).select_related("channel")


def may_send_again(send: NoticeSend, *, now: datetime | None = None) -> bool:
    if send.status == NoticeSend.Status.FAILED:
        return True
    now = now or timezone.now()
    return send.status == NoticeSend.Status.PENDING and now - send.created_at > STUCK_AFTER


def channels_taking(*, org_id: int, notice: str, team_id: int | None, org_wide: bool) -> list[NoticeChannel]:
    """Active channels of the organisation taking `notice`: the team's (when `team_id`) and the
    organisation's own (when `org_wide`)."""
    where = Q(pk__in=[])
    if team_id is not None:
        where |= Q(team_id=team_id)
    if org_wide:
        where |= Q(team__isnull=True)
    return list(
        NoticeChannel.objects.filter(where, org_id=org_id, paused=False, notices__contains=[notice])
        .select_related("org", "team")
        .order_by("created_at")
    )


def channels_for_everyone(*, notice: str) -> QuerySet[NoticeChannel]:
    return (
        NoticeChannel.objects.filter(paused=False, notices__contains=[notice])
        .select_related("org", "team")
        .order_by("org_id", "created_at")
    )


def orgs_taking_digest() -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        notice_channels__paused=False,
        notice_channels__team__isnull=True,
        notice_channels__notices__contains=[Notice.WEEKLY_DIGEST],
    ).distinct()


def keys_sent(*, channel: NoticeChannel, prefix: str) -> set[str]:
    return set(
        NoticeSend.objects.filter(channel=channel, key__startswith=prefix).values_list("key", flat=True)
    )


def conflicts_open_since(*, channel: NoticeChannel, before: datetime) -> QuerySet[Conflict]:
    conflicts = Conflict.objects.filter(
        org_id=channel.org_id, resolved_at__isnull=True, opened_at__lte=before
    )
    if channel.team_id is not None:
        conflicts = conflicts.filter(team_id=channel.team_id)
    return conflicts.select_related("org", "team").order_by("opened_at", "pk")


def escalation(escalation_id: int) -> Escalation | None:
    return (
        Escalation.objects.select_related(
            "org", "conflict__team", "sync__team", "opened_by__user", "decided_by__user"
        )
        .filter(pk=escalation_id)
        .first()
    )


def sync(sync_id: int) -> Sync | None:
    return Sync.objects.select_related("org", "team", "facilitator__user").filter(pk=sync_id).first()
