"""Notices to Slack or Microsoft Teams: a channel (an incoming-webhook URL, kept encrypted) of the
organisation or of one team, the notices it takes, and each message sent to it."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.models import Organisation, Team


class Notice(models.TextChoices):
    ESCALATION_OPENED = "escalation_opened", _("Escalation opened")
    ESCALATION_DECIDED = "escalation_decided", _("Escalation decided")
    SYNC_STARTED = "sync_started", _("Sync started")
    SYNC_CLOSED = "sync_closed", _("Sync summary")
    CONFLICT_STALE = "conflict_stale", _("Conflict open too long")
    WEEKLY_DIGEST = "weekly_digest", _("Weekly leadership digest")
    TEST = "test", _("Test message")


class NoticeChannel(models.Model):
    class Provider(models.TextChoices):
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="notice_channels")
    # None: the organisation's channel (leadership); else the team's.
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="notice_channels"
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    name = models.CharField(_("name"), max_length=120)
    url_encrypted = models.BinaryField()
    # What the pages show of the URL (its host and last characters): the URL itself is a secret.
    url_hint = models.CharField(max_length=120, blank=True)
    notices = models.JSONField(default=list, blank=True)
    conflict_days = models.PositiveSmallIntegerField(_("days before a conflict is flagged"), default=7)
    paused = models.BooleanField(_("paused"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notice channel")
        verbose_name_plural = _("notice channels")
        ordering: ClassVar = ["name", "created_at"]
        indexes: ClassVar = [models.Index(fields=["org", "team"])]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.name}"

    def takes(self, notice: str) -> bool:
        return not self.paused and isinstance(self.notices, list) and notice in self.notices


class NoticeSend(models.Model):
    """One message to a channel: the payload as it was rendered (in the organisation's language),
    and how sending it went. `key` keeps a notice sent once (a conflict, a week's digest)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    channel = models.ForeignKey(NoticeChannel, on_delete=models.CASCADE, related_name="sends")
    notice = models.CharField(max_length=32, choices=Notice.choices)
    key = models.CharField(max_length=120, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A code (integrations.notices.sending.ERRORS) and its detail (an HTTP status, an exception name).
    error = models.CharField(max_length=40, blank=True)
    error_detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice sent")
        verbose_name_plural = _("notices sent")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["channel", "key"], condition=~models.Q(key=""), name="notice_send_unique_key"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.notice} · {self.status}"
