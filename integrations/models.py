"""Connections to outside products (a code host, an incident tool) and the deliveries they post to us.

A connection's webhook secret is kept encrypted (Fernet, `integrations.crypto`); a delivery keeps the
raw body it came with until a task maps it onto deployments, commits and incidents."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.models import Organisation, Team

MAX_BODY_BYTES = 5 * 1024 * 1024


class Connection(models.Model):
    class Provider(models.TextChoices):
        GITHUB = "github", "GitHub"
        GITLAB = "gitlab", "GitLab"
        PAGERDUTY = "pagerduty", "PagerDuty"
        OPSGENIE = "opsgenie", "Opsgenie"
        JIRA = "jira", "Jira"
        LINEAR = "linear", "Linear"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="connections")
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    name = models.CharField(_("name"), max_length=120)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="connections"
    )
    # {"sources": {"owner/repo" or service id: team slug}, "environments": {name: production|staging|test}}
    mappings = models.JSONField(default=dict, blank=True)
    secret_encrypted = models.BinaryField()
    # An API token of the tracker (Jira, Linear): reads history, creates issues. Fernet, like the secret.
    token_encrypted = models.BinaryField(default=b"", blank=True)
    paused = models.BooleanField(_("paused"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        ordering: ClassVar = ["name", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.name}"

    @property
    def sources(self) -> dict[str, Any]:
        value = self.mappings.get("sources") if isinstance(self.mappings, dict) else None
        return value if isinstance(value, dict) else {}

    @property
    def tracker(self) -> dict[str, Any]:
        """A tracker's settings (integrations.trackers): site, statuses, kinds, estimate field, filter."""
        value = self.mappings.get("tracker") if isinstance(self.mappings, dict) else None
        return value if isinstance(value, dict) else {}

    @property
    def is_tracker(self) -> bool:
        return self.provider in (self.Provider.JIRA, self.Provider.LINEAR)

    @property
    def environments(self) -> dict[str, Any]:
        value = self.mappings.get("environments") if isinstance(self.mappings, dict) else None
        return value if isinstance(value, dict) else {}


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RECORDED = "recorded", _("recorded")
        IGNORED = "ignored", _("ignored")
        REFUSED = "refused", _("refused")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=200, blank=True)
    event = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # A code (integrations.reasons) and its parameter: rendered in the reader's language.
    reason = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    body = models.BinaryField(default=b"")
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering: ClassVar = ["-received_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["connection", "delivery_id"],
                condition=~models.Q(delivery_id=""),
                name="delivery_unique_id_per_connection",
            )
        ]
        indexes: ClassVar = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id} · {self.status}"


class PushedCommit(models.Model):
    """A commit a code host told us was pushed to a branch: a deployment of that branch later takes
    the ones pushed since the repository's previous production deployment."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="pushed_commits")
    repository = models.CharField(max_length=200)
    ref = models.CharField(max_length=255)
    sha = models.CharField(max_length=64)
    authored_at = models.DateTimeField()
    message = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["authored_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["connection", "repository", "ref", "sha"], name="pushed_commit_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.repository}@{self.ref} {self.sha[:10]}"


class Backfill(models.Model):
    """The progress of a tracker's history import (`connectors backfill`, or the button): one row a
    connection, rewritten by each run; the connection page reads it."""

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("importing")
        DONE = "done", _("finished")
        FAILED = "failed", _("stopped on an error")

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="backfill")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    query = models.CharField(max_length=1000, blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    recorded = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # Statuses met that the connection maps to no lifecycle step (they followed their category).
    unmapped_statuses = models.JSONField(default=list, blank=True)
    # A code (integrations.reasons) and its parameter, as deliveries keep theirs.
    error = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.connection_id} · {self.state} {self.done}/{self.total}"

    @classmethod
    def restart(cls, connection: Connection, query: str) -> Backfill:
        """A new run for the connection: the previous run's counts and outcome are reset."""
        run, _created = cls.objects.update_or_create(
            connection=connection,
            defaults={
                "state": cls.State.QUEUED,
                "query": query[:1000],
                "total": None,
                "done": 0,
                "recorded": 0,
                "skipped": 0,
                "unmapped_statuses": [],
                "error": "",
                "detail": "",
                "started_at": None,
                "finished_at": None,
            },
        )
        return run

    def fail(self, code: str, detail: str = "") -> None:
        self.state, self.error, self.detail = self.State.FAILED, code, detail[:300]

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.state == self.State.DONE else None
        return min(100, round(100 * self.done / self.total))


from integrations.models_notices import Notice, NoticeChannel, NoticeSend  # noqa: E402

__all__ = ["Backfill", "Connection", "Delivery", "Notice", "NoticeChannel", "NoticeSend", "PushedCommit"]
