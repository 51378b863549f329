from __future__ import annotations

from django.contrib import admin

from metrics import models


@admin.register(models.MetricSnapshot)
class MetricSnapshotAdmin(admin.ModelAdmin):
    list_display = ("org", "team", "metric", "window_kind", "window_start", "value", "computed_at")
    list_filter = ("org", "metric", "window_kind")


admin.site.register(models.RecomputeRun)


@admin.register(models.RecordChange)
class RecordChangeAdmin(admin.ModelAdmin):
    list_display = ("org", "team", "at")


@admin.register(models.Watermark)
class WatermarkAdmin(admin.ModelAdmin):
    list_display = ("org", "team", "first_week", "last_week", "full_at", "updated_at")
