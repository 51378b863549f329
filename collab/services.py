"""Writes for organisations, people and teams. Feature/spec services live in collab/features/."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from collab.models import Invitation, Membership, Organisation, Role, Team, TeamMember, User

INVITATION_DAYS = 14


def user_get_or_create(*, email: str, name: str = "", password: str | None = None) -> User:
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, name=name, password=password)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    return user


@transaction.atomic
def membership_add(*, org: Organisation, user: User, role: str) -> Membership:
    membership, created = Membership.objects.get_or_create(org=org, user=user, defaults={"role": role})
    if not created and (membership.role != role or not membership.is_active):
        membership.role, membership.is_active = role, True
        membership.save(update_fields=["role", "is_active"])
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def team_create(*, org: Organisation, name: str, slug: str = "", topology: str) -> Team:
    slug = slug or slugify(name)[:64]
    if not slug:
        raise ValidationError({"name": _("Give the team a name with letters or digits.")})
    if Team.objects.filter(org=org, slug=slug).exists():
        raise ValidationError({"slug": _("A team with this slug already exists in your organisation.")})
    return Team.objects.create(org=org, name=name, slug=slug, topology=topology)


@transaction.atomic
def team_update(*, team: Team, name: str, topology: str) -> Team:
    team.name, team.topology = name, topology
    team.save(update_fields=["name", "topology"])
    return team


@transaction.atomic
def team_member_add(*, team: Team, membership: Membership, role: str) -> TeamMember:
    if membership.org_id != team.org_id:
        raise ValidationError(_("This person is not in the team's organisation."))
    member, created = TeamMember.objects.get_or_create(
        team=team, membership=membership, defaults={"role": role}
    )
    if not created and member.role != role:
        member.role = role
        member.save(update_fields=["role"])
    return member


@transaction.atomic
def team_member_remove(*, member: TeamMember) -> None:
    member.delete()


@transaction.atomic
def invitation_create(
    *,
    org: Organisation,
    email: str,
    role: str,
    team: Team | None,
    by: Membership | None,
    base_url: str | None = None,
) -> Invitation:
    email = email.strip().lower()
    if team is not None and team.org_id != org.id:
        raise ValidationError({"team": _("Unknown team.")})
    if Membership.objects.filter(org=org, user__email=email, is_active=True).exists():
        raise ValidationError(
            {"email": _("%(email)s is already a member of %(org)s.") % {"email": email, "org": org.name}}
        )
    Invitation.objects.filter(org=org, email=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    invitation = Invitation.objects.create(
        org=org,
        email=email,
        role=role,
        team=team,
        invited_by=by,
        token=secrets.token_urlsafe(32),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    link = (base_url or settings.SITE_URL).rstrip("/") + reverse(
        "collab:invitation_accept", args=[invitation.token]
    )
    transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation


def _send_invitation(invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "days": INVITATION_DAYS}
    send_mail(
        subject=_("You are invited to %(org)s") % {"org": invitation.org.name},
        message=render_to_string("collab/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    if not invitation.is_pending:
        raise ValidationError(_("This invitation has expired or was already used."))
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation is for %(email)s; you are signed in as %(me)s.")
            % {"email": invitation.email, "me": user.email}
        )
    membership = membership_add(org=invitation.org, user=user, role=invitation.role)
    if invitation.team is not None:
        team_member_add(team=invitation.team, membership=membership, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership
