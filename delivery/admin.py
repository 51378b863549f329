from __future__ import annotations

from django.contrib import admin

from delivery import models


class CommitInline(admin.TabularInline):
    model = models.Commit
    extra = 0


@admin.register(models.Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ("key", "team", "environment", "result", "finished_at")
    list_filter = ("org", "environment", "result")
    inlines = (CommitInline,)


@admin.register(models.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "org", "prefix", "created_at", "revoked_at")
    readonly_fields = ("token_hash",)


for model in (models.Commit, models.Incident, models.IdempotencyRecord):
    admin.site.register(model)
