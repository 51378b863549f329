"""How far back a change of deployments or incidents can move the metrics: the `since` a write
announces with `collab.signals.records_changed`, with the records it touched (the metrics app then
recomputes the metrics reading them from that week on, without comparing the team's history).

A successful production deployment counts in the week it finished (frequency, lead time of its
commits). An incident with no deployment named counts against the team's last such deployment
finished before the incident started: a deployment recorded (or moved) at `t` can take incidents
over from the team's deployment before `t`, whose week then loses them. Nothing else the metrics
read depends on deployments; so the earliest instant is the finish of that deployment before, or
`t` itself. An incident counts against its deployment (named, or that last one before it
started) in that deployment's week, and its time to restore in the week it was resolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from delivery.models import Deployment

# What a deployment written with its commits touches (`records` of `collab.signals`): the metrics
# reading neither (alignment, reviews, syncs…) cannot move.
DEPLOYMENT_RECORDS = ("deployments", "commits")
INCIDENT_RECORDS = ("incidents",)
# No stored metric reads pull requests (the DORA page splits lead time from them live): a team's
# refresh after one computes nothing, and its new run moves the dashboards' cache on.
PULL_REQUEST_RECORDS = ("pull_requests",)


def deployments_since(*, team_id: int, finishes: Iterable[datetime], exclude: Iterable[int] = ()) -> datetime:
    """The earliest instant whose metrics the team's deployments finishing at `finishes` (recorded
    now, or their former and new finishes when moved) can move; `exclude`: those deployments."""
    earliest = min(finishes)
    before = (
        Deployment.objects.filter(
            team_id=team_id,
            environment=Deployment.Environment.PRODUCTION,
            result=Deployment.Result.SUCCESS,
            finished_at__lte=earliest,
        )
        .exclude(pk__in=list(exclude))
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return min(before, earliest) if before is not None else earliest


def incident_since(
    *, team_id: int, started_at: datetime, resolved: Iterable[datetime | None] = (), deployment_id: int | None
) -> datetime:
    """The earliest instant whose metrics an incident of the team can move: its start, the times it
    was (and is now) resolved, and the finish of the deployment it counts against."""
    counted = Deployment.objects.filter(
        environment=Deployment.Environment.PRODUCTION, result=Deployment.Result.SUCCESS
    )
    if deployment_id is not None:
        counted = counted.filter(pk=deployment_id)
    else:
        counted = counted.filter(team_id=team_id, finished_at__lte=started_at).order_by("-finished_at")
    finish = counted.values_list("finished_at", flat=True).first()
    return min(
        [started_at, *(moment for moment in resolved if moment is not None), *([finish] if finish else [])]
    )
