"""Which recorded tables (`Frames`' tables) each metric reads, through its cohorts
(`metrics.computations.cohorts`): a change to other tables cannot move it. A recompute after a
change that names the records it touched computes only the metrics reading them, from those
tables only (`metrics.recompute`)."""

from __future__ import annotations

from collections.abc import Iterable

from metrics.computations.targets import METRICS

_SPECS = frozenset({"features", "alignment_sessions", "revisions"})  # aligned specs
_DEPLOYMENTS = frozenset({"deployments", "incidents"})  # a deployment failed: an incident linked

METRIC_TABLES: dict[str, frozenset[str]] = {
    "time_to_alignment": _SPECS,
    "rework_rate": _SPECS,
    "first_time_acceptance": frozenset({"features", "reviews"}),
    "conflict_one_session_rate": frozenset({"conflicts"}),
    "velocity": frozenset({"features"}),
    "investment_balance": frozenset({"features"}),
    "predictability": frozenset({"features"}),
    "sync_discipline": frozenset({"syncs", "sync_sections"}),
    "escalations": frozenset({"escalations"}),
    "deployment_frequency": _DEPLOYMENTS,
    "lead_time_for_changes": frozenset({"deployments", "commits"}),
    "change_failure_rate": _DEPLOYMENTS,
    "time_to_restore": frozenset({"incidents"}),
    "team_pulse": frozenset({"pulses"}),
}
assert set(METRIC_TABLES) == set(METRICS)


def metrics_reading(tables: Iterable[str]) -> list[str]:
    """The metrics (in `METRICS` order) that read any of `tables`."""
    changed = set(tables)
    return [metric for metric in METRICS if METRIC_TABLES[metric] & changed]


def tables_read(metrics: Iterable[str]) -> frozenset[str]:
    """The tables `metrics` read."""
    return frozenset().union(*(METRIC_TABLES[metric] for metric in metrics))
