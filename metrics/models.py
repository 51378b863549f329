"""Metric snapshots and recompute runs: what the engine computed, per team and week."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.models import Organisation, Team


class MetricSnapshot(models.Model):
    class WindowKind(models.TextChoices):
        WEEK = "week", _("Week")
        WEEKS_4 = "4w", _("4 weeks")
        WEEKS_13 = "13w", _("13 weeks")

    # Two indexes only (the key and the unique constraint, leading with the organisation), and no
    # foreign key constraint in the database: each index, and each row's check of its organisation
    # and team at commit, cost the first recompute of a large organisation seconds of writing
    # (metrics.snapshot_store; 1.9 s of 6.7 s for 270,000 rows). Snapshots are derived data: Django
    # still deletes them with their team or organisation, the rows written name teams read in the
    # same job, and a full recompute removes any row of a team it no longer computes.
    org = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="snapshots",
        db_index=False,
        db_constraint=False,
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="snapshots",
        db_index=False,
        db_constraint=False,
    )
    metric = models.CharField(max_length=48)
    window_kind = models.CharField(max_length=8, choices=WindowKind.choices)
    window_start = models.CharField(max_length=8)  # first ISO week, e.g. 2026-W02
    window_end = models.CharField(max_length=8)  # last ISO week
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    cohort = models.PositiveIntegerField(default=0)
    extra = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("metric snapshot")
        verbose_name_plural = _("metric snapshots")
        constraints: ClassVar = [
            # Also the index of the pages' reads: a window kind's windows starting in given weeks.
            models.UniqueConstraint(
                fields=["org", "window_kind", "window_start", "team", "metric"],
                name="snapshot_unique_window",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.window_kind} {self.window_start}"


class RecomputeRun(models.Model):
    """When metrics were last computed for an organisation (and how it went), shown on dashboards."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="recompute_runs")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    message = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-started_at"]

    def __str__(self) -> str:
        return f"recompute {self.org_id} at {self.started_at:%Y-%m-%d %H:%M}"


class RecordChange(models.Model):
    """A change the apps below announced (`collab.signals.records_changed`) that the snapshots may
    not show yet; removed by the recompute that takes it in. The nightly catch-up starts from
    these: with none, nothing moved."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # None: anything of the organisation may have moved.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    at = models.DateTimeField()
    # The earliest instant whose metrics the change can move, when its sender knew it (a team's
    # refresh then computes the windows from its week on, without comparing the team's history).
    since = models.DateTimeField(null=True, blank=True)
    # With `since`, the kinds of records it touched, comma-separated ("deployments,commits": only
    # the metrics reading them are computed); blank: any.
    records = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"change of {self.team_id or 'organisation'} at {self.at:%Y-%m-%d %H:%M}"


class Watermark(models.Model):
    """What the snapshots were computed from. A team's row: the digest of its records week by week
    (`metrics.computations.digests`); the organisation's row (no team): the weeks and the targets
    and teams of the last recompute, and when everything was last compared."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    weeks = models.BinaryField(default=bytes)  # week indices (int64), ascending
    digests = models.BinaryField(default=bytes)  # their digests (uint64)
    week_lo = models.IntegerField(default=0)  # the first week digests place records in exactly
    first_week = models.CharField(max_length=8, blank=True)  # the first window end stored
    last_week = models.CharField(max_length=8, blank=True)  # the last week computed
    signature = models.CharField(max_length=64, blank=True)  # of the targets and teams
    full_at = models.DateTimeField(null=True, blank=True)  # the last full recompute
    updated_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["org", "team"], name="watermark_unique_team", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"watermark {self.org_id}/{self.team_id or 'organisation'}"
