from __future__ import annotations

from django.utils import translation

from metrics.computations import DEFAULT_TARGETS
from metrics.dashboards import extra_lines
from metrics.selectors import Point


def _discipline(overruns: dict[str, float]) -> Point:
    return Point(
        team_id=None,
        metric="sync_discipline",
        start="2026-W06",
        end="2026-W09",
        value=0.8,
        numerator=4,
        denominator=5,
        cohort=5,
        extra={"mean_overrun_minutes": overruns},
    )


def test_mean_overrun_names_each_section_not_its_code():
    point = _discipline({"people": 2, "incentives": 1.5, "key-decisions": 3, "roadmap": 1, "my-topic": 4})
    labels = [label for label, _ in extra_lines("sync_discipline", point, DEFAULT_TARGETS)]
    assert labels == [
        "Mean overrun · People topics",
        "Mean overrun · Incentives alignment",
        "Mean overrun · Key decisions to co-present",
        "Mean overrun · Roadmap alignment",
        "Mean overrun · My topic",  # a section the organisation added itself
    ]


def test_section_names_follow_the_readers_language():
    with translation.override("fr"):
        ((label, _text),) = extra_lines("sync_discipline", _discipline({"people": 2}), DEFAULT_TARGETS)
    assert label == "Dépassement moyen · Enjeux humains"
