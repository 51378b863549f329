"""What delivery tools tell us: deployments with their commits, incidents, and the intake API's tokens
and idempotency records. The metrics app reads these; it never writes them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.models import Feature, Membership, Organisation, Team


class Deployment(models.Model):
    class Environment(models.TextChoices):
        PRODUCTION = "production", _("Production")
        STAGING = "staging", _("Staging")
        TEST = "test", _("Test")

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="deployments")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="deployments")
    key = models.CharField(_("key"), max_length=128)
    environment = models.CharField(_("environment"), max_length=16, choices=Environment.choices)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    finished_at = models.DateTimeField(_("finished at"))
    features = models.ManyToManyField(Feature, related_name="deployments", blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True)  # api, devlake, csv, import, ui
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "metrics_deployment"  # created by the metrics app; the table keeps its name
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="deployment_unique_key_per_org")
        ]
        indexes: ClassVar = [
            models.Index(fields=["org", "finished_at"]),
            models.Index(fields=["team", "finished_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.key} · {self.environment} · {self.result}"

    @property
    def counts_for_dora(self) -> bool:
        return self.environment == self.Environment.PRODUCTION and self.result == self.Result.SUCCESS


class Commit(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(_("sha"), max_length=64)
    authored_at = models.DateTimeField(_("authored at"))

    class Meta:
        db_table = "metrics_commit"  # created by the metrics app; the table keeps its name
        verbose_name = _("commit")
        verbose_name_plural = _("commits")
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return self.sha[:10]


class Incident(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="incidents")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="incidents")
    key = models.CharField(_("key"), max_length=128)
    title = models.CharField(_("title"), max_length=300)
    started_at = models.DateTimeField(_("started at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    deployment = models.ForeignKey(
        Deployment, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    source = models.CharField(_("source"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "metrics_incident"  # created by the metrics app; the table keeps its name
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="incident_unique_key_per_org")
        ]
        indexes: ClassVar = [
            models.Index(fields=["org", "started_at"]),
            # A recompute of recent weeks finds the incidents resolved in them (metrics.loaders).
            models.Index(fields=["org", "resolved_at"], name="incident_resolved_at"),
        ]

    def __str__(self) -> str:
        return f"{self.key} · {self.title}"


class ApiToken(models.Model):
    """A per-organisation intake token; only its SHA-256 is stored."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "metrics_apitoken"  # created by the metrics app; the table keeps its name
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The caller's Idempotency-Key and the response it got, so a retried POST changes nothing."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    endpoint = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "metrics_idempotencyrecord"  # created by the metrics app; the table keeps its name
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "endpoint", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"


class PullRequest(models.Model):
    """A merged pull (GitHub) or merge (GitLab) request: when it was opened and merged, and the
    deployment that shipped its merge commit once one is known."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pull_requests")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pull_requests")
    repository = models.CharField(_("repository"), max_length=200)
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    merged_at = models.DateTimeField(_("merged at"))
    first_commit_at = models.DateTimeField(_("first commit at"), null=True, blank=True)
    merge_commit_sha = models.CharField(_("merge commit"), max_length=64, blank=True)
    deployment = models.ForeignKey(
        Deployment, on_delete=models.SET_NULL, null=True, blank=True, related_name="pull_requests"
    )
    source = models.CharField(_("source"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pull request")
        verbose_name_plural = _("pull requests")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["org", "repository", "number"], name="pull_request_unique_number_per_repository"
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["org", "merged_at"]),
            models.Index(fields=["org", "merge_commit_sha"]),
        ]

    def __str__(self) -> str:
        return f"{self.repository}#{self.number}"
