from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from collab import models


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "language")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)


class TeamMemberInline(admin.TabularInline):
    model = models.TeamMember
    extra = 0
    autocomplete_fields = ("membership",)


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "time_zone", "language")
    search_fields = ("name", "slug")


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "org", "role", "is_active")
    list_filter = ("org", "role")
    search_fields = ("user__email", "user__name")


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "org", "topology")
    list_filter = ("org", "topology")
    inlines = (TeamMemberInline,)


@admin.register(models.Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "team", "kind", "status", "effort_points", "rice_score")
    list_filter = ("org", "kind", "status")
    search_fields = ("key", "title")


class KeyResultInline(admin.TabularInline):
    model = models.KeyResult
    extra = 0


@admin.register(models.Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "quarter", "org")
    inlines = (KeyResultInline,)


class SessionInline(admin.TabularInline):
    model = models.AlignmentSession
    extra = 0


@admin.register(models.Spec)
class SpecAdmin(admin.ModelAdmin):
    list_display = ("feature", "aligned_at", "version")
    inlines = (SessionInline,)


for model in (
    models.TeamMember,
    models.Invitation,
    models.KeyResult,
    models.AlignmentSession,
    models.SessionAttendance,
    models.SpecRevision,
    models.AcceptanceReview,
    models.GlossaryTerm,
):
    admin.site.register(model)


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "org", "action", "target")
    list_filter = ("action",)
    raw_id_fields = ("org", "actor")
