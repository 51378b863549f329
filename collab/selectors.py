"""Reads, always scoped to the caller's organisation."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from collab.models import Invitation, Membership, Organisation, Team, TeamMember


def membership_list(*, org: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(org=org).select_related("user").order_by("user__name", "user__email")


def team_list(*, org: Organisation) -> QuerySet[Team]:
    return Team.objects.filter(org=org).annotate(member_count=Count("members")).order_by("name")


def team_members(*, team: Team) -> QuerySet[TeamMember]:
    return team.members.select_related("membership__user").order_by("role", "membership__user__name")


def team_role_holder(*, team: Team, role: str) -> Membership | None:
    member = team.members.filter(role=role).select_related("membership__user").first()
    return member.membership if member else None


def invitation_list(*, org: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(org=org).select_related("team", "invited_by__user")


def pending_invitation(*, token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token=token).select_related("org", "team").first()
    return invitation if invitation and invitation.is_pending else None
