"""What Jira and Linear share: a connection's tracker settings (status and kind mappings, the
estimate field, which issues become features), an issue read from either, and its feature kept in
step through `collab.features.external`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collab.features.external import TRACKER_STATUSES, TrackedIssue, feature_track
from collab.models import Feature
from integrations import reasons
from integrations.mapping import RECORDED, Outcome, ignored, team_for, unmapped
from integrations.models import Connection

KINDS = tuple(Feature.Kind.values)
STATUSES = tuple(str(s) for s in TRACKER_STATUSES)
EFFORT_MAX = 10_000

# A status nobody mapped follows its category: Jira's statusCategory key, Linear's state type.
CATEGORY_STATUSES = {
    "new": Feature.Status.IDEA,
    "indeterminate": Feature.Status.IN_PROGRESS,
    "done": Feature.Status.DELIVERED,
    "triage": Feature.Status.IDEA,
    "backlog": Feature.Status.IDEA,
    "unstarted": Feature.Status.IDEA,
    "started": Feature.Status.IN_PROGRESS,
    "completed": Feature.Status.DELIVERED,
    "canceled": Feature.Status.DROPPED,
}
DEFAULT_ESTIMATE_FIELDS = {"jira": "customfield_10016", "linear": "estimate"}


@dataclass(frozen=True)
class Issue:
    """An issue as both trackers describe it."""

    key: str
    url: str
    title: str
    source: str  # the Jira project key, the Linear team key
    status: str = ""
    category: str = ""
    issue_type: str = ""
    labels: tuple[str, ...] = field(default_factory=tuple)
    estimate: Any = None
    description: str = ""
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Settings:
    statuses: dict[str, str]
    kinds: dict[str, str]
    estimate_field: str
    only: str
    site: str
    email: str
    project: str

    @classmethod
    def of(cls, connection: Connection) -> Settings:
        raw = connection.tracker

        def pairs(name: str) -> dict[str, str]:
            value = raw.get(name)
            if not isinstance(value, dict):
                return {}
            return {str(k).strip().casefold(): str(v) for k, v in value.items()}

        return cls(
            statuses=pairs("statuses"),
            kinds=pairs("kinds"),
            estimate_field=str(
                raw.get("estimate_field") or DEFAULT_ESTIMATE_FIELDS.get(connection.provider, "")
            ),
            only=str(raw.get("only") or "").strip(),
            site=str(raw.get("site") or "").rstrip("/"),
            email=str(raw.get("email") or ""),
            project=str(raw.get("project") or ""),
        )


def obj(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def status_for(settings: Settings, issue: Issue) -> tuple[str | None, bool]:
    """(our status or None to leave it, whether the tracker's status is mapped by name)."""
    mapped = settings.statuses.get(issue.status.strip().casefold())
    if mapped in STATUSES:
        return mapped, True
    category = CATEGORY_STATUSES.get(issue.category.strip().lower())
    return (str(category) if category else None), False


def kind_for(settings: Settings, issue: Issue) -> str:
    """The kind the issue type names, else the first label that names one; a Bug is a bug."""
    for name in (issue.issue_type, *issue.labels):
        kind = settings.kinds.get(name.strip().casefold())
        if kind in KINDS:
            return kind
    if issue.issue_type.strip().casefold() == "bug" or any(
        label.casefold() == "bug" for label in issue.labels
    ):
        return Feature.Kind.BUG
    return Feature.Kind.PRODUCT


def selected(settings: Settings, issue: Issue) -> bool:
    """Every issue, or only those of the chosen issue type or label."""
    if not settings.only:
        return True
    wanted = settings.only.casefold()
    return issue.issue_type.casefold() == wanted or any(label.casefold() == wanted for label in issue.labels)


def effort_of(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return min(number, EFFORT_MAX)


def record(connection: Connection, issue: Issue) -> Outcome:
    """Create or update the feature of an issue, as its connection says."""
    settings = Settings.of(connection)
    team = team_for(connection, issue.source)
    if team is None:
        return unmapped(issue.source)
    if not selected(settings, issue):
        return ignored(reasons.NOT_SELECTED, issue.key)
    status, by_name = status_for(settings, issue)
    feature_track(
        org=connection.org,
        team=team,
        issue=TrackedIssue(
            provider=connection.provider,
            key=issue.key,
            url=issue.url,
            title=issue.title,
            kind=kind_for(settings, issue),
            status=status,
            effort_points=effort_of(issue.estimate),
            description=issue.description[:20_000],
            resolved_at=issue.resolved_at,
        ),
    )
    if not by_name and issue.status:
        # Recorded, and listed on the connection's page until someone maps this status.
        return Outcome("recorded", reasons.UNMAPPED_STATUS, issue.status[:300])
    return RECORDED
