"""Blameless post-mortems of incidents and delivery delays (seed 001)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collab.models import Feature, Membership, Organisation, Team
from delivery.models import Incident
from rituals.models import PostMortem


def _clean_timeline(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    timeline = []
    for row in rows:
        at, text = row.get("at"), str(row.get("text") or "").strip()
        if not at and not text:
            continue
        if not at or not text:
            raise ValidationError({"timeline": _("Give every timeline row a time and what happened.")})
        timeline.append({"at": at.isoformat() if isinstance(at, datetime) else str(at), "text": text})
    return sorted(timeline, key=lambda row: row["at"])


def _clean_actions(org: Organisation, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    emails = set(org.memberships.filter(is_active=True).values_list("user__email", flat=True))
    actions = []
    for row in rows:
        title = str(row.get("title") or "").strip()
        owner = str(row.get("owner") or "").strip().lower()
        due = row.get("due")
        if not title and not owner and not due:
            continue
        if not title:
            raise ValidationError({"action_items": _("Give every action a title.")})
        if owner and owner not in emails:
            raise ValidationError(
                {"action_items": _("An action's owner must be someone of your organisation.")}
            )
        actions.append(
            {
                "title": title,
                "owner": owner,
                "due": due.isoformat() if isinstance(due, date) else (str(due) if due else None),
                "done": bool(row.get("done")),
            }
        )
    return actions


def _check_subject(
    *, org: Organisation, team: Team, kind: str, incident: Incident | None, feature: Feature | None
) -> None:
    errors: dict[str, str] = {}
    if team.org_id != org.pk:
        errors["team"] = _("Choose a team of your organisation.")
    if kind not in PostMortem.Kind.values:
        errors["kind"] = _("Choose what the post-mortem is about.")
    if incident is not None and incident.org_id != org.pk:
        errors["incident"] = _("Choose an incident of your organisation.")
    if feature is not None and feature.org_id != org.pk:
        errors["feature"] = _("Choose a feature of your organisation.")
    if kind == PostMortem.Kind.INCIDENT and incident is None:
        errors["incident"] = _("Choose the incident this post-mortem is about.")
    if kind == PostMortem.Kind.DELIVERY_DELAY and feature is None:
        errors["feature"] = _("Choose the delayed feature.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def postmortem_create(
    *,
    org: Organisation,
    team: Team,
    kind: str,
    title: str,
    by: Membership | None,
    incident: Incident | None = None,
    feature: Feature | None = None,
    held_at: datetime | None = None,
    summary: str = "",
    timeline: list[dict[str, Any]] | None = None,
    causes: str = "",
    learnings: str = "",
    action_items: list[dict[str, Any]] | None = None,
) -> PostMortem:
    _check_subject(org=org, team=team, kind=kind, incident=incident, feature=feature)
    if not title.strip():
        raise ValidationError({"title": _("Give the post-mortem a title.")})
    return PostMortem.objects.create(
        org=org,
        team=team,
        kind=kind,
        title=title.strip(),
        incident=incident if kind == PostMortem.Kind.INCIDENT else None,
        feature=feature if kind == PostMortem.Kind.DELIVERY_DELAY else None,
        held_at=held_at,
        summary=summary.strip(),
        timeline=_clean_timeline(timeline or []),
        causes=causes.strip(),
        learnings=learnings.strip(),
        action_items=_clean_actions(org, action_items or []),
    )


@transaction.atomic
def postmortem_update(
    *,
    postmortem: PostMortem,
    title: str,
    held_at: datetime | None,
    summary: str,
    timeline: list[dict[str, Any]],
    causes: str,
    learnings: str,
    action_items: list[dict[str, Any]],
) -> PostMortem:
    if not title.strip():
        raise ValidationError({"title": _("Give the post-mortem a title.")})
    postmortem.title = title.strip()
    postmortem.held_at = held_at
    postmortem.summary, postmortem.causes, postmortem.learnings = (
        summary.strip(),
        causes.strip(),
        learnings.strip(),
    )
    postmortem.timeline = _clean_timeline(timeline)
    postmortem.action_items = _clean_actions(postmortem.org, action_items)
    postmortem.save(
        update_fields=["title", "held_at", "summary", "causes", "learnings", "timeline", "action_items"]
    )
    return postmortem
