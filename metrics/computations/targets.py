"""The metrics, what a user reads about them, their targets, traffic lights and DORA bands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

METRICS: tuple[str, ...] = (
    "time_to_alignment",
    "rework_rate",
    "first_time_acceptance",
    "conflict_one_session_rate",
    "velocity",
    "investment_balance",
    "predictability",
    "sync_discipline",
    "escalations",
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "time_to_restore",
    "team_pulse",
)

DORA_METRICS = ("deployment_frequency", "lead_time_for_changes", "change_failure_rate", "time_to_restore")

# What a user reads next to a metric. English only: the Django layer translates these strings.
METADATA: dict[str, dict[str, str]] = {
    "time_to_alignment": {
        "label": "Time to alignment",
        "unit": "sessions",
        "how": "Median number of alignment sessions a spec needed, up to and including the one where "
        "it was aligned, over specs aligned in the period.",
        "record": "Record alignment sessions on specs, with the outcome 'aligned' for the last one.",
    },
    "rework_rate": {
        "label": "Rework rate",
        "unit": "share",
        "how": "Share of specs aligned in the period that had at least one rework revision after alignment.",
        "record": "Align specs; revise them after alignment with the kind 'rework' or 'clarification'.",
    },
    "first_time_acceptance": {
        "label": "First-time acceptance",
        "unit": "share",
        "how": "Share of features whose first acceptance review, in the period, accepted them.",
        "record": "Record an acceptance review on each delivered feature.",
    },
    "conflict_one_session_rate": {
        "label": "Conflicts resolved in one session",
        "unit": "share",
        "how": "Share of conflicts resolved in the period that needed exactly one PIVOT session.",
        "record": "Open conflicts, record their sessions and resolve them.",
    },
    "velocity": {
        "label": "Velocity",
        "unit": "points per week",
        "how": "Effort points of the features delivered in the period, divided by its number of weeks.",
        "record": "Give features effort points and a delivery date.",
    },
    "investment_balance": {
        "label": "Investment balance",
        "unit": "share",
        "how": "Share of the effort points delivered in the period that went to tech debt and platform "
        "work; the share of every kind is shown too.",
        "record": "Give features a kind, effort points and a delivery date.",
    },
    "predictability": {
        "label": "Predictability",
        "unit": "share",
        "how": "Share of the features planned for a week of the period that were delivered by the end "
        "of their planned week; dropped and undelivered features count as late.",
        "record": "Plan features for a week and record when they are delivered.",
    },
    "sync_discipline": {
        "label": "Sync discipline",
        "unit": "share",
        "how": "Share of the syncs started in the period that ended within the sum of their sections' "
        "time boxes; the mean overrun of each section is shown too.",
        "record": "Run syncs with the timer, starting and ending them and their sections.",
    },
    "escalations": {
        "label": "Escalations",
        "unit": "escalations",
        "how": "Number of escalations opened in the period, per level, and the median hours until "
        "their decision.",
        "record": "Escalate from a conflict or a sync and record the decision.",
    },
    "deployment_frequency": {
        "label": "Deployment frequency",
        "unit": "days per week",
        "how": "For each week, the number of days with a successful production deployment; the median "
        "of those weekly numbers over the period.",
        "record": "Send successful and failed deployments from CI, with their environment.",
    },
    "lead_time_for_changes": {
        "label": "Lead time for changes",
        "unit": "hours",
        "how": "Median hours from a commit being authored to the successful production deployment "
        "that shipped it, over deployments finished in the period.",
        "record": "Send deployments from CI with their commits and authoring times.",
    },
    "change_failure_rate": {
        "label": "Change failure rate",
        "unit": "share",
        "how": "Share of the successful production deployments of the period that caused an incident: "
        "linked to it, or else the team's latest one before the incident started.",
        "record": "Send deployments from CI and record incidents, linked to a deployment when known.",
    },
    "time_to_restore": {
        "label": "Time to restore service",
        "unit": "hours",
        "how": "Median hours from an incident starting to it being resolved, over incidents resolved "
        "in the period.",
        "record": "Record incidents with their start and resolution times.",
    },
    "team_pulse": {
        "label": "Team pulse",
        "unit": "score",
        "how": "Mean satisfaction score (1 to 5) of the pulse answers of the period.",
        "record": "Ask the team's weekly pulse question.",
    },
}


# --- targets and traffic lights ----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A metric's target: `value` is the bound to reach (the lower bound of a range)."""

    direction: Literal["higher", "lower", "range"]
    value: float
    upper: float | None = None  # for a range only
    strict: bool = False  # "<" or ">" rather than "≤" or "≥"

    def met(self, value: float) -> bool:
        return bool(self.met_by(np.asarray([value]))[0])

    def met_by(self, values: Any) -> np.ndarray:
        """Element-wise `met` over an array of values."""
        values = np.asarray(values, dtype="float64")
        if self.direction == "range":
            assert self.upper is not None
            return (values >= self.value) & (values <= self.upper)
        if self.direction == "higher":
            return values > self.value if self.strict else values >= self.value
        return values < self.value if self.strict else values <= self.value


# DESIGN.md's table; velocity and escalations are read as trends and have none.
DEFAULT_TARGETS: dict[str, Target] = {
    "time_to_alignment": Target("lower", 2),
    "rework_rate": Target("lower", 0.15, strict=True),
    "first_time_acceptance": Target("higher", 0.9, strict=True),
    "conflict_one_session_rate": Target("higher", 0.89),
    "predictability": Target("range", 0.7, upper=0.95),
    "investment_balance": Target("higher", 0.2),
    "sync_discipline": Target("higher", 0.8),
    "deployment_frequency": Target("higher", 5),
    "lead_time_for_changes": Target("lower", 24, strict=True),
    "change_failure_rate": Target("lower", 0.05),
    "time_to_restore": Target("lower", 1, strict=True),
    "team_pulse": Target("higher", 4),
}

# A value that misses its target by at most this share of the target is "warn", not "bad".
WARN_MARGIN = 0.2


def targets_with_overrides(
    overrides: Mapping[str, float | Sequence[float] | Target] | None = None,
) -> dict[str, Target]:
    """The default targets with an organisation's overrides (a workspace's `targets`).

    An override is a number: the new bound, keeping the direction (for predictability, the lower
    bound of the range); a predictability override may also be a pair `[lower, upper]`; a
    `Target` replaces the default as it is.
    """
    targets = dict(DEFAULT_TARGETS)
    for metric, override in (overrides or {}).items():
        if metric not in DEFAULT_TARGETS:
            raise ValueError(f"no target for metric {metric!r}")
        current = targets[metric]
        if isinstance(override, Target):
            targets[metric] = override
        elif isinstance(override, Sequence):
            if current.direction != "range" or len(override) != 2:
                raise ValueError(f"target for {metric!r} must be a number")
            targets[metric] = replace(current, value=float(override[0]), upper=float(override[1]))
        else:
            targets[metric] = replace(current, value=float(override))
    return targets


def team_overrides(stored: Any, team_slug: str) -> dict[str, Any]:
    """A team's own target overrides, from an organisation's stored targets (`{"teams": {slug:
    {metric: override}}}`); metrics without a target and unreadable entries are ignored."""
    teams = stored.get("teams") if isinstance(stored, Mapping) else None
    mine = teams.get(team_slug) if isinstance(teams, Mapping) else None
    if not isinstance(mine, Mapping):
        return {}
    return {metric: value for metric, value in mine.items() if metric in DEFAULT_TARGETS}


def targets_for_team(
    org_overrides: Mapping[str, Any], stored: Any, team_slug: str | None
) -> dict[str, Target]:
    """The targets a team is held to: its own where it has one, else the organisation's."""
    merged = dict(org_overrides)
    if team_slug:
        merged |= team_overrides(stored, team_slug)
    try:
        return targets_with_overrides(merged)
    except (TypeError, ValueError):  # a hand-edited entry the engine can't read: the organisation's
        return targets_with_overrides(org_overrides)


def status(metric: str, value: float | None, targets: Mapping[str, Target] | None = None) -> str | None:
    """Traffic light for a value: "good" when the target is met, "warn" when it misses by at most
    `WARN_MARGIN` of the target, else "bad"; None without a value or a target."""
    target = (targets if targets is not None else DEFAULT_TARGETS).get(metric)
    if value is None or target is None:
        return None
    if target.met(value):
        return "good"
    if target.direction == "range":
        assert target.upper is not None
        bound = target.value if value < target.value else target.upper
    else:
        bound = target.value
    return "warn" if abs(value - bound) <= WARN_MARGIN * abs(bound) else "bad"


# DORA 2023 bands. A month is taken as 30 days.
_HOURS_BANDS = {
    "lead_time_for_changes": (24.0, 7 * 24.0, 30 * 24.0),
    "time_to_restore": (1.0, 24.0, 7 * 24.0),
}


def dora_band(metric: str, value: float | None, *, weekly_mean: float | None = None) -> str | None:
    """The DORA 2023 band ("elite", "high", "medium", "low") of a DORA metric's value.

    For deployment_frequency, `value` is the median of the weekly deployment-day counts and
    `weekly_mean` their mean, which decides "medium" (≥ 0.25, about one a month); it defaults to
    `value`.
    """
    if value is None:
        return None
    if metric == "deployment_frequency":
        mean = value if weekly_mean is None else weekly_mean
        return "elite" if value >= 5 else "high" if value >= 1 else "medium" if mean >= 0.25 else "low"
    if metric == "change_failure_rate":
        return "elite" if value <= 0.05 else "high" if value <= 0.10 else "medium" if value <= 0.15 else "low"
    if metric in _HOURS_BANDS:
        elite, high, medium = _HOURS_BANDS[metric]
        return "elite" if value < elite else "high" if value < high else "medium" if value < medium else "low"
    raise ValueError(f"{metric!r} is not a DORA metric")


BANDS: tuple[str, ...] = ("elite", "high", "medium", "low")


def dora_bands(metric: str, values: Any, *, weekly_means: Any = None) -> np.ndarray:
    """`dora_band` element-wise: each value's band as its index in `BANDS`, NaN without a value."""
    values = np.asarray(values, dtype="float64")
    if metric == "deployment_frequency":
        means = values if weekly_means is None else np.asarray(weekly_means, dtype="float64")
        elite, high, medium = values >= 5, values >= 1, means >= 0.25
    elif metric == "change_failure_rate":
        elite, high, medium = values <= 0.05, values <= 0.10, values <= 0.15
    elif metric in _HOURS_BANDS:
        bounds = _HOURS_BANDS[metric]
        elite, high, medium = values < bounds[0], values < bounds[1], values < bounds[2]
    else:
        raise ValueError(f"{metric!r} is not a DORA metric")
    bands = np.select([elite, high, medium], [0.0, 1.0, 2.0], 3.0)
    return np.where(np.isnan(values), np.nan, bands)
