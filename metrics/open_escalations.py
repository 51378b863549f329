"""The escalations still waiting for a decision, with their age: shown on the escalations dashboard
next to the median time to decision of the decided ones (a median of decided escalations says
nothing of the one that has waited twelve days).

One bounded query (the oldest few, with the count of all), whatever the history: this reads the live table,
not the snapshots, because "waiting since" changes every day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, Window
from django.urls import reverse
from django.utils import timezone

from collab.models import Organisation, Team
from metrics.texts import LEVELS
from rituals.models import Escalation

SHOWN = 10


@dataclass(frozen=True)
class Waiting:
    key: str
    title: str
    level: str
    team: str
    opened_at: datetime
    days: int
    url: str


@dataclass(frozen=True)
class OpenEscalations:
    count: int
    rows: list[Waiting]  # the oldest first, at most SHOWN

    @property
    def oldest(self) -> Waiting | None:
        return self.rows[0] if self.rows else None

    @property
    def more(self) -> int:
        return self.count - len(self.rows)

    def fingerprint(self) -> str:
        """What the rendered list depends on (a cached page is re-rendered when it changes)."""
        today = timezone.localdate().isoformat()
        return f"{today}:{self.count}:" + ",".join(f"{row.key}/{row.level}" for row in self.rows)


def open_escalations(*, org: Organisation, team: Team | None = None) -> OpenEscalations:
    """The organisation's (or a team's) undecided escalations, the oldest first."""
    waiting = Escalation.objects.filter(org=org, decided_at__isnull=True)
    if team is not None:
        waiting = waiting.filter(Q(conflict__team=team) | Q(sync__team=team))
    # One query: the oldest few, each carrying how many wait in all (a window over every row).
    found = list(
        waiting.select_related("conflict__team", "sync__team")
        .annotate(waiting_count=Window(Count("id")))
        .order_by("opened_at", "id")[:SHOWN]
    )
    count = found[0].waiting_count if found else 0
    now = timezone.now()
    rows = [
        Waiting(
            key=escalation.key,
            title=escalation.title,
            level=str(LEVELS.get(str(escalation.level), escalation.level)),
            team=_team_name(escalation),
            opened_at=escalation.opened_at,
            days=max((now - escalation.opened_at).days, 0),
            url=reverse("rituals:escalation_detail", args=[escalation.pk]),
        )
        for escalation in found
    ]
    return OpenEscalations(count=count, rows=rows)


def _team_name(escalation: Escalation) -> str:
    team = escalation.team
    return team.name if team is not None else ""
