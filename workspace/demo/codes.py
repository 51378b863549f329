"""The demo's agenda items are written in English in its workspace document (the format carries
text, not codes). Once imported, the items the app would have generated get their code and
parameters (rituals/syncs/generated.py), so a French reader sees them in French."""

from __future__ import annotations

import re
from typing import Any

from collab.models import Organisation
from rituals.models import SyncItem
from rituals.syncs.generated import generated_english

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("shipped", re.compile(r"^Shipped: (?P<title>.+)$")),
    ("planned_not_delivered", re.compile(r"^Planned this week, not delivered yet: (?P<title>.+)$")),
    ("planned", re.compile(r"^Planned this week: (?P<title>.+)$")),
    ("nothing_shipped", re.compile(r"^Nothing shipped since last week$")),
    ("obstacle", re.compile(r"^Obstacle: (?P<title>.+)$")),
    ("conflict", re.compile(r"^Conflict: (?P<title>.+)$")),
    ("rank", re.compile(r"^Rank (?P<first>.+) against (?P<second>.+)$")),
    (
        "velocity",
        re.compile(
            r"^(?P<points>\d+) points delivered this week, (?P<average>\d+\.\d) a week over four weeks$"
        ),
    ),
]


def _params(code: str, match: re.Match[str]) -> dict[str, Any]:
    params: dict[str, Any] = dict(match.groupdict())
    if code == "velocity":
        params = {"points": int(params["points"]), "average": float(params["average"])}
    return params


def demo_codes_apply(org: Organisation) -> int:
    """Give the demo's generated items their codes (only where the code renders the same English
    text, so nothing changes for an English reader). Returns how many items got one."""
    items = list(SyncItem.objects.filter(sync__org=org, title_code="").only("id", "title"))
    coded = []
    for item in items:
        for code, pattern in PATTERNS:
            match = pattern.match(item.title)
            if match is None:
                continue
            params = _params(code, match)
            if generated_english(code, params) == item.title:
                item.title_code, item.title_params = code, params
                coded.append(item)
            break
    SyncItem.objects.bulk_update(coded, ["title_code", "title_params"], batch_size=500)
    return len(coded)
