"""The escalations still waiting for a decision, with their age: shown on the escalations dashboard
next to the median time to decision of the decided ones (a median of decided escalations says
nothing of the one that has waited twelve days).

One bounded query (the oldest few, with the count of all), whatever the history: this reads the live table,
not the snapshots, because "waiting since" changes every day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from collab.models import Organisation, Team
from metrics.texts import LEVELS
from rituals.models import Conflict, Escalation, Sync

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
    # One query: the oldest few, each carrying how many wait in all (a window over every row).
    with connection.cursor() as cursor:
        cursor.execute(
            _SQL if team is None else _SQL.replace(_ORDER, f"{_OF_TEAM} {_ORDER}"),
            {"org": org.pk, "team": team.pk if team is not None else None, "shown": SHOWN},
        )
        found = cursor.fetchall()
    count = found[0][-1] if found else 0
    now = timezone.now()
    rows = [
        Waiting(
            key=key,
            title=title,
            level=str(LEVELS.get(str(level), level)),
            team=team_name or "",
            opened_at=opened_at,
            days=max((now - opened_at).days, 0),
            url=reverse("rituals:escalation_detail", args=[pk]),
        )
        for pk, key, title, level, opened_at, team_name, _count in found
    ]
    return OpenEscalations(count=count, rows=rows)


# Plain SQL: the ORM took milliseconds to build this query (four tables), PostgreSQL answers in a
# fraction of one. An escalation's team is its conflict's, else its sync's (Escalation.team).
_ESCALATION, _CONFLICT, _SYNC, _TEAM = (
    Escalation._meta.db_table,
    Conflict._meta.db_table,
    Sync._meta.db_table,
    Team._meta.db_table,
)
_OF_TEAM = "AND (c.team_id = %(team)s OR s.team_id = %(team)s)"
_ORDER = "ORDER BY e.opened_at, e.id LIMIT %(shown)s"
_SQL = (
    "SELECT e.id, e.key, e.title, e.level, e.opened_at, "  # noqa: S608 (constants; values are parameters)
    "CASE WHEN e.conflict_id IS NOT NULL THEN ct.name WHEN e.sync_id IS NOT NULL THEN st.name END, "
    "COUNT(*) OVER () "
    f"FROM {_ESCALATION} e "
    f"LEFT JOIN {_CONFLICT} c ON c.id = e.conflict_id LEFT JOIN {_TEAM} ct ON ct.id = c.team_id "
    f"LEFT JOIN {_SYNC} s ON s.id = e.sync_id LEFT JOIN {_TEAM} st ON st.id = s.team_id "
    f"WHERE e.org_id = %(org)s AND e.decided_at IS NULL {_ORDER}"
)
