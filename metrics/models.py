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

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="snapshots")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="snapshots")
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
            models.UniqueConstraint(
                fields=["org", "team", "metric", "window_kind", "window_start"],
                name="snapshot_unique_window",
                nulls_distinct=False,
            )
        ]
        indexes: ClassVar = [models.Index(fields=["org", "window_kind", "window_end"])]

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
