"""E-mails about escalations, sent after the transaction commits: to the people holding the
level's roles when one opens (or is passed up), to the person who opened it when it's decided.
Each person reads it in their language (theirs, else the organisation's)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from collab.models import Membership
from rituals.conflicts.common import LEVEL_ROLES
from rituals.models import Escalation


def escalation_recipients(*, escalation: Escalation) -> list[Membership]:
    """Level 1: the PM and tech lead of the escalation's team (every PM and tech lead when it has
    no team); level 2: VP Product, CPO, CTO; level 3: the CEO."""
    roles = LEVEL_ROLES[escalation.level]
    people = Membership.objects.filter(org_id=escalation.org_id, is_active=True, role__in=roles)
    team = escalation.team
    if escalation.level == 1 and team is not None:
        people = people.filter(Q(team_memberships__team=team))
    return list(people.select_related("user", "org").distinct().order_by("id"))


def _load(escalation_id: int) -> Escalation | None:
    return (
        Escalation.objects.select_related(
            "org", "conflict__team", "sync__team", "sync_item", "opened_by__user", "decided_by__user"
        )
        .filter(pk=escalation_id)
        .first()
    )


def _message(
    template: str, escalation: Escalation, membership: Membership
) -> tuple[str, str, str, list[str]]:
    language = membership.user.language or escalation.org.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "escalation": escalation,
            "person": membership.user,
            "url": settings.SITE_URL.rstrip("/") + reverse("rituals:escalation_detail", args=[escalation.pk]),
            "inbox_url": settings.SITE_URL.rstrip("/") + reverse("rituals:escalation_inbox"),
        }
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return subject, body, settings.DEFAULT_FROM_EMAIL, [membership.user.email]


def escalation_opened(*, escalation_id: int) -> int:
    escalation = _load(escalation_id)
    if escalation is None or escalation.decided_at is not None:
        return 0
    recipients = [m for m in escalation_recipients(escalation=escalation) if m.pk != escalation.opened_by_id]
    messages = [_message("rituals/conflicts/email/escalation_opened", escalation, m) for m in recipients]
    return send_mass_mail(messages, fail_silently=False) if messages else 0


def escalation_decided(*, escalation_id: int) -> int:
    escalation = _load(escalation_id)
    opener = escalation.opened_by if escalation else None
    if escalation is None or opener is None or not opener.is_active or opener.pk == escalation.decided_by_id:
        return 0
    return send_mass_mail([_message("rituals/conflicts/email/escalation_decided", escalation, opener)])
