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

from django.db import connection

from collab.weeks import org_zone, parse_week
from delivery.models import Deployment, PullRequest


@dataclass(frozen=True)
class Stage:
    key: str
    median: timedelta | None
    count: int

    @property
    def hours(self) -> float | None:
        return None if self.median is None else self.median.total_seconds() / 3600


# One query, plain SQL (the ORM took milliseconds to build it; PostgreSQL answers in microseconds):
# the medians are `percentile_cont(0.5)` of intervals, a negative one counted as none.
_PR, _DEPLOY = PullRequest._meta.db_table, Deployment._meta.db_table
_SHIPPED = "d.environment = 'production' AND d.result = 'success'"
_SQL = (
    "SELECT COUNT(pr.id), "  # noqa: S608 (constants; the values are parameters)
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY GREATEST(pr.opened_at - pr.first_commit_at, interval '0')) "
    "FILTER (WHERE pr.first_commit_at IS NOT NULL), "
    "COUNT(pr.id) FILTER (WHERE pr.first_commit_at IS NOT NULL), "
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY GREATEST(pr.merged_at - pr.opened_at, interval '0')), "
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY GREATEST(d.finished_at - pr.merged_at, interval '0')) "
    f"FILTER (WHERE {_SHIPPED}), "
    f"COUNT(pr.id) FILTER (WHERE {_SHIPPED}) "
    f"FROM {_PR} pr LEFT OUTER JOIN {_DEPLOY} d ON pr.deployment_id = d.id "
    "WHERE pr.merged_at >= %(start)s AND pr.merged_at < %(end)s AND pr.org_id = %(org)s"
)


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
    params = {"org": org.pk, "start": start, "end": end, "team": team_id}
    with connection.cursor() as cursor:
        cursor.execute(_SQL if team_id is None else f"{_SQL} AND pr.team_id = %(team)s", params)
        merged, coding, coding_count, review, deploy, deploy_count = cursor.fetchone()
    if not merged:
        return None
    return [
        Stage("coding", coding, coding_count),
        Stage("review", review, merged),
        Stage("deploy", deploy, deploy_count),
    ]
