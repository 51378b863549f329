"""The seed's escalation matrix, as the pages show it: for each level, who decides and which
conflict categories go there. The mapping itself is `rituals.models.ESCALATION_LEVEL`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rituals.models import ESCALATION_LEVEL, ConflictCategory

LEVEL_TITLES: dict[int, Promise] = {
    1: _("Level 1: PM + Tech Lead"),
    2: _("Level 2: VP Product + CTO"),
    3: _("Level 3: CEO"),
}
LEVEL_SUBTITLES: dict[int, Promise] = {
    1: _("Product–Tech alignment"),
    2: _("Management intervention"),
    3: _("Executive decision"),
}


@dataclass(frozen=True)
class MatrixLevel:
    level: int
    title: Promise
    subtitle: Promise
    categories: tuple[tuple[str, str], ...]


def matrix() -> list[MatrixLevel]:
    return [
        MatrixLevel(
            level=level,
            title=LEVEL_TITLES[level],
            subtitle=LEVEL_SUBTITLES[level],
            categories=tuple(
                (c.value, str(c.label)) for c in ConflictCategory if ESCALATION_LEVEL[c] == level
            ),
        )
        for level in (1, 2, 3)
    ]


def level_for_category(category: str) -> int:
    return ESCALATION_LEVEL[ConflictCategory(category)]


def grouped_category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Category choices grouped by level, for a <select> with <optgroup>s."""
    return [(str(row.title), list(row.categories)) for row in matrix()]
