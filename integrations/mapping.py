"""What every connector shares: the outcome of mapping a delivery, teams and environments from the
connection's mappings, and timestamps as providers write them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from collab.models import Team
from integrations import reasons
from integrations.models import Connection

DEFAULT_ENVIRONMENTS = {
    "production": "production",
    "prod": "production",
    "live": "production",
    "staging": "staging",
    "stage": "staging",
    "preprod": "staging",
}


class Malformed(Exception):
    """A field the event needs is missing or has the wrong shape; its path is the message."""


@dataclass(frozen=True)
class Outcome:
    status: str  # recorded | ignored
    reason: str = ""
    detail: str = ""


RECORDED = Outcome("recorded")


def ignored(reason: str, detail: str = "") -> Outcome:
    return Outcome("ignored", reason, detail[:300])


def unmapped(source: str) -> Outcome:
    return ignored(reasons.UNMAPPED_SOURCE, source)


def team_for(connection: Connection, *sources: str) -> Team | None:
    """The team a source (a repository, a service by id or name) feeds: its mapping, else the
    connection's team."""
    for source in sources:
        slug = connection.sources.get(source)
        if isinstance(slug, str) and slug:
            team = Team.objects.filter(org_id=connection.org_id, slug=slug).first()
            if team is not None:
                return team
    if connection.team_id is not None and connection.team is not None:
        return connection.team if connection.team.org_id == connection.org_id else None
    return None


def environment_for(connection: Connection, name: str) -> str:
    lowered = name.strip().lower()
    mapped = connection.environments.get(lowered) or connection.environments.get(name)
    if mapped in {"production", "staging", "test"}:
        return str(mapped)
    return DEFAULT_ENVIRONMENTS.get(lowered, "test")


def get(obj: Any, *path: str) -> Any:
    """obj[path[0]][path[1]]…, or Malformed naming the path."""
    current = obj
    for index, name in enumerate(path):
        if not isinstance(current, dict) or current.get(name) is None:
            raise Malformed(".".join(path[: index + 1]))
        current = current[name]
    return current


def text(obj: Any, *path: str) -> str:
    value = get(obj, *path)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise Malformed(".".join(path))
    return str(value).replace("\x00", "")


def timestamp(obj: Any, *path: str) -> datetime:
    """An ISO 8601 time (a trailing Z or offset; naive ones are UTC) or epoch milliseconds."""
    value = get(obj, *path)
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            # Epoch milliseconds; Opsgenie writes some times in nanoseconds.
            return datetime.fromtimestamp(value / (1e9 if value > 1e14 else 1000), tz=UTC)
        if isinstance(value, str):
            # GitLab writes "2021-04-28 21:50:00 +0200".
            cleaned = re.sub(r" ?([+-]\d\d):?(\d\d)$", r"\1:\2", value.strip().replace(" UTC", "+00:00"))
            parsed = datetime.fromisoformat(cleaned)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise Malformed(".".join(path))
