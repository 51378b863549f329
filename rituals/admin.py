from __future__ import annotations

from django.contrib import admin

from rituals import models


class TemplateSectionInline(admin.TabularInline):
    model = models.TemplateSection
    extra = 0


@admin.register(models.RitualTemplate)
class RitualTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "ritual", "org")
    inlines = (TemplateSectionInline,)


class SyncSectionInline(admin.TabularInline):
    model = models.SyncSection
    extra = 0


@admin.register(models.Sync)
class SyncAdmin(admin.ModelAdmin):
    list_display = ("key", "ritual", "team", "scheduled_at", "status")
    list_filter = ("org", "ritual", "status")
    inlines = (SyncSectionInline,)


@admin.register(models.Conflict)
class ConflictAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "team", "category", "opened_at", "resolved_at")
    list_filter = ("org", "category")


@admin.register(models.Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "level", "opened_at", "decided_at")
    list_filter = ("org", "level")


for model in (
    models.TemplateSection,
    models.SyncSchedule,
    models.SyncSection,
    models.SyncItem,
    models.Decision,
    models.ActionItem,
    models.ConflictSession,
    models.Obstacle,
    models.OneOnOne,
    models.PostMortem,
    models.Pulse,
):
    admin.site.register(model)


@admin.register(models.TechWin)
class TechWinAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "status", "org")
    list_filter = ("status",)


@admin.register(models.UserInterview)
class UserInterviewAdmin(admin.ModelAdmin):
    list_display = ("customer", "held_on", "team", "with_engineer")


@admin.register(models.ReviewRecord)
class ReviewRecordAdmin(admin.ModelAdmin):
    list_display = ("sync", "held_at", "product_seconds", "tech_seconds")


@admin.register(models.ReviewDecision)
class ReviewDecisionAdmin(admin.ModelAdmin):
    list_display = ("title", "sync", "source")
    list_filter = ("source",)


@admin.register(models.SpeakingTurn)
class SpeakingTurnAdmin(admin.ModelAdmin):
    list_display = ("sync", "side", "started_at", "ended_at")
    list_filter = ("side",)


@admin.register(models.InterviewAttendee)
class InterviewAttendeeAdmin(admin.ModelAdmin):
    list_display = ("interview", "name", "membership")
