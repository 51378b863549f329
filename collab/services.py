"""Writes for organisations, people and teams. Feature/spec services live in collab/features/."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from collab.audit import Action, audit_record
from collab.mail import email_later
from collab.models import Invitation, Membership, Organisation, Role, Team, TeamMember, User
from collab.permissions import grant_refusal, may_grant, role_change_refusal

INVITATION_DAYS = 14


def user_get_or_create(*, email: str, name: str = "", password: str | None = None) -> User:
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).order_by("id").first()
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
def membership_set_role(*, membership: Membership, role: str, by: Membership) -> Membership:
    """Give `membership` the role `role`, as `by` (who must be allowed to grant it: see
    collab/permissions.py). Refusals are ValidationErrors on "role"."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    refusal = role_change_refusal(by=by, membership=membership, role=role)
    if refusal:
        raise ValidationError({"role": refusal})
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if old != role:
        audit_record(
            org=membership.org,
            actor=by,
            action=Action.ROLE_CHANGED,
            target=str(membership.user),
            details={"person": str(membership.user), "old": old, "new": role},
        )
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
def team_member_remove(*, member: TeamMember, by: Membership | None = None) -> None:
    person, team = member.membership.user, member.team
    audit_record(
        org=team.org,
        actor=by,
        action=Action.TEAM_MEMBER_REMOVED,
        target=str(person),
        details={"person": str(person), "team": team.name},
    )
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
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    # `by` None: the app itself (import, demo), not a person granting a role.
    if by is not None and not may_grant(by, role):
        raise ValidationError({"role": grant_refusal(role)})
    if Membership.objects.filter(org=org, user__email__iexact=email, is_active=True).exists():
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
    audit_record(
        org=org, actor=by, action=Action.INVITATION_SENT, target=email, details={"email": email, "role": role}
    )
    link = (base_url or settings.SITE_URL).rstrip("/") + reverse(
        "collab:invitation_accept", args=[invitation.token]
    )
    _send_invitation(invitation, link)
    return invitation


def _send_invitation(invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "days": INVITATION_DAYS}
    email_later(
        subject=_("You are invited to %(org)s") % {"org": invitation.org.name},
        body=render_to_string("collab/email/invitation.txt", context),
        to=[invitation.email],
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: Membership | None = None) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        org=invitation.org,
        actor=by,
        action=Action.INVITATION_REVOKED,
        target=invitation.email,
        details={"email": invitation.email},
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    if not invitation.is_pending:
        raise ValidationError(_("This invitation has expired or was already used."))
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation is for %(email)s; you are signed in as %(me)s.")
            % {"email": invitation.email, "me": user.email}
        )
    _invitation_stand_in_hand_over(invitation=invitation, user=user)
    membership = membership_add(org=invitation.org, user=user, role=invitation.role)
    if invitation.team is not None:
        team_member_add(team=invitation.team, membership=membership, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        org=invitation.org,
        actor=membership,
        action=Action.INVITATION_ACCEPTED,
        target=invitation.email,
        details={"email": invitation.email},
    )
    return membership


# --- stand-ins: an invitee whose records (team roles, syncs...) exist before they accept ---------


def invitation_stand_in_email(*, invitation: Invitation) -> str:
    """The address of the inactive account that holds an invitee's records until they accept."""
    return f"invitation-{invitation.pk}@stand-in.invalid"


@transaction.atomic
def invitation_stand_in_create(*, invitation: Invitation, name: str) -> Membership:
    """An inactive membership, on an account that cannot sign in, named as the inviter named the
    invitee: their records hang on it, and accepting the invitation hands it to the invitee's account.
    Nobody's existing account is attached (nor its name shown) before they accept."""
    user = User(email=invitation_stand_in_email(invitation=invitation), name=name, is_active=False)
    user.set_unusable_password()
    user.save()
    return Membership.objects.create(org=invitation.org, user=user, role=invitation.role, is_active=False)


def _invitation_stand_in_hand_over(*, invitation: Invitation, user: User) -> None:
    invitations = Invitation.objects.filter(org=invitation.org, email__iexact=invitation.email)
    addresses = [invitation_stand_in_email(invitation=other) for other in invitations]
    stand_in = (
        Membership.objects.filter(org=invitation.org, user__email__in=addresses)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if stand_in is None or Membership.objects.filter(org=invitation.org, user=user).exists():
        return
    placeholder = stand_in.user
    stand_in.user = user
    stand_in.save(update_fields=["user"])
    placeholder.delete()
