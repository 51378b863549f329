"""Reads of launches, always from the caller's organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from collab.features.specfields import normalise
from collab.models import Feature, Membership, Organisation, Spec, Team
from collab.weeks import org_zone
from productops.launches.defaults import AGENDA_DAYS, REVIEW_AFTER_DAYS
from productops.launches.readiness import MSGIDS, Readiness, readiness
from productops.models import Launch, LaunchTemplate, PostLaunchReview


def org_today(org: Organisation) -> dt.date:
    return timezone.localdate(timezone=org_zone(org.time_zone))


def _launches(org: Organisation) -> QuerySet[Launch]:
    return (
        Launch.objects.filter(org=org)
        .select_related("feature__team", "review")
        .prefetch_related("owners__user")
    )


def launch_get(*, org: Organisation, pk: int) -> Launch:
    """The launch of this organisation; Launch.DoesNotExist for another organisation's."""
    return _launches(org).get(pk=pk)


@dataclass(frozen=True)
class LaunchRow:
    launch: Launch
    readiness: Readiness
    review_due_on: dt.date

    @property
    def review(self) -> PostLaunchReview | None:
        return getattr(self.launch, "review", None)


def _row(launch: Launch, today: dt.date) -> LaunchRow:
    return LaunchRow(
        launch,
        readiness(launch.checklist, launch.launch_on, today),
        launch.launch_on + dt.timedelta(days=REVIEW_AFTER_DAYS),
    )


def launch_row(*, launch: Launch) -> LaunchRow:
    return _row(launch, org_today(launch.org))


def launch_rows(*, org: Organisation, upcoming: bool, team: Team | None = None) -> list[LaunchRow]:
    """Upcoming (today or later, soonest first) or past (most recent first) launches."""
    today = org_today(org)
    qs = _launches(org)
    if team is not None:
        qs = qs.filter(feature__team=team)
    if upcoming:
        qs = qs.filter(launch_on__gte=today).order_by("launch_on", "id")
    else:
        qs = qs.filter(launch_on__lt=today).order_by("-launch_on", "-id")
    return [_row(launch, today) for launch in qs[:200]]


def team_upcoming_launches(*, team: Team, start: dt.date, until: dt.date) -> list[LaunchRow]:
    """The team's launches from `start` to `until`, readiness as of today."""
    today = org_today(team.org)
    qs = _launches(team.org).filter(feature__team=team, launch_on__gte=start, launch_on__lte=until)
    return [_row(launch, today) for launch in qs.order_by("launch_on", "id")]


def reviews_due(*, org: Organisation) -> list[LaunchRow]:
    """Launches two weeks past their date whose post-launch review has not fed the acceptance review."""
    today = org_today(org)
    qs = (
        _launches(org)
        .filter(launch_on__lte=today - dt.timedelta(days=REVIEW_AFTER_DAYS))
        .exclude(review__acceptance_review__isnull=False)
        .exclude(feature__status__in=[Feature.Status.DROPPED, Feature.Status.ACCEPTED])
        .order_by("launch_on", "id")
    )
    return [_row(launch, today) for launch in qs[:200]]


def launch_template_find(*, org: Organisation) -> LaunchTemplate | None:
    return LaunchTemplate.objects.filter(org=org).first()


def launch_features(*, org: Organisation) -> QuerySet[Feature]:
    """Features that may get a launch plan: not dropped, without one yet."""
    return (
        Feature.objects.filter(org=org, launch__isnull=True)
        .exclude(status=Feature.Status.DROPPED)
        .order_by("key")
    )


def launch_owner_choices(*, org: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(org=org, is_active=True).select_related("user").order_by("user__email")


def spec_criteria(*, feature: Feature) -> list[dict[str, Any]]:
    """The success criteria of the feature's spec ([{kind, metric, target}]), shared by product and tech."""
    spec = Spec.objects.filter(feature=feature).first()
    return normalise("success_criteria", spec.success_criteria) if spec else []


def agenda_launches(*, team: Team, start: dt.datetime) -> list[tuple[Launch, str]]:
    """The team's launches from the sync's week to AGENDA_DAYS after it, each with its readiness as
    a msgid (the DRIVE Delivery section's generated items; translated when displayed)."""
    first = max(start.date(), org_today(team.org))
    until = start.date() + dt.timedelta(days=AGENDA_DAYS)
    return [
        (row.launch, MSGIDS[row.readiness.code])
        for row in team_upcoming_launches(team=team, start=first, until=until)
    ]
