"""Lead time, explained: where a change waits between its first commit and production, from the
pull requests known to the organisation (GitHub and GitLab connections, the workspace document).

For the pull requests merged in the dashboard's window (the organisation's weeks, in its time zone),
three medians taken separately, so they need not add up to the lead time:
- coding: first commit → pull request opened (0 when the request was opened before its first commit);
- review: opened → merged;
- deploy: merged → the successful production deployment that shipped it.
The lead time's own definition (shared/DESIGN.md) is untouched: this is read beside it, one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import Greatest

from collab.weeks import org_zone, parse_week
from delivery.models import PullRequest


class Median(Aggregate):
    """PostgreSQL's `percentile_cont(0.5)` of an interval (an interval comes back)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class Stage:
    key: str
    median: timedelta | None
    count: int

    @property
    def hours(self) -> float | None:
        return None if self.median is None else self.median.total_seconds() / 3600


def _span(expression: Any) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


def lead_time_split(*, org: Any, team_id: int | None, first_week: str, last_week: str) -> list[Stage] | None:
    """The three stages for the pull requests merged from the Monday of `first_week` to the end of
    `last_week`; None when no pull request was merged then (the page then says where they come
    from)."""
    zone = org_zone(org.time_zone)
    try:
        start = datetime.combine(parse_week(first_week), time.min, tzinfo=zone)
        end = datetime.combine(parse_week(last_week) + timedelta(days=7), time.min, tzinfo=zone)
    except ValueError:
        return None
    rows = PullRequest.objects.filter(org=org, merged_at__gte=start, merged_at__lt=end)
    if team_id is not None:
        rows = rows.filter(team_id=team_id)
    shipped = Q(deployment__environment="production", deployment__result="success")
    coded = Q(first_commit_at__isnull=False)
    found = rows.aggregate(
        merged=Count("pk"),
        coding=Median(_span(Greatest(F("opened_at") - F("first_commit_at"), timedelta(0))), filter=coded),
        coding_count=Count("pk", filter=coded),
        review=Median(_span(Greatest(F("merged_at") - F("opened_at"), timedelta(0)))),
        deploy=Median(
            _span(Greatest(F("deployment__finished_at") - F("merged_at"), timedelta(0))), filter=shipped
        ),
        deploy_count=Count("pk", filter=shipped),
    )
    if not found["merged"]:
        return None
    return [
        Stage("coding", found["coding"], found["coding_count"]),
        Stage("review", found["review"], found["merged"]),
        Stage("deploy", found["deploy"], found["deploy_count"]),
    ]
