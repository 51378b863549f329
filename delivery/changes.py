"""How far back a change of deployments can move the metrics: the `since` a write announces with
`collab.signals.records_changed` (the metrics app then recomputes from that week on, without
comparing the team's whole history).

A successful production deployment counts in the week it finished (frequency, lead time of its
commits). An incident with no deployment named counts against the team's last such deployment
finished before the incident started: a deployment recorded (or moved) at `t` can take incidents
over from the team's deployment before `t`, whose week then loses them. Nothing else the metrics
read depends on deployments; so the earliest instant is the finish of that deployment before, or
`t` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from delivery.models import Deployment

# What a deployment written with its commits touches (`records` of `collab.signals`): the metrics
# reading neither (alignment, reviews, syncs…) cannot move.
DEPLOYMENT_RECORDS = ("deployments", "commits")


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
