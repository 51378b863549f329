"""Time the metric engine on a nightly-job-sized organisation.

    .venv/bin/python bench/engine_bench.py [--teams 40] [--features 20000] [--deployments 100000]
                                           [--weeks 160] [--window 13] [--tz Europe/Paris]

Builds synthetic `Frames` (random but reproducible) spread over `weeks` weeks, then times
`compute_table` (column-wise, what snapshots use) for windows of 1, 4 and `window` weeks at once,
and `compute_series` (DESIGN.md's result dicts) for each width, ending at each of those weeks, for
every team and the organisation.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics.computations import compute_series, week_index, week_label, week_start  # noqa: E402
from metrics.computations.engine import compute_table  # noqa: E402
from metrics.frames import Frames  # noqa: E402

HOUR = pd.Timedelta(hours=1)


def make_frames(
    *,
    teams: int = 40,
    features: int = 20_000,
    deployments: int = 100_000,
    weeks: int = 160,
    first_week: str = "2023-W01",
    tz: str = "Europe/Paris",
    seed: int = 0,
) -> Frames:
    rng = np.random.default_rng(seed)
    start = week_start(first_week, tz)
    span_hours = weeks * 7 * 24
    slugs = np.array([f"team-{n}" for n in range(teams)], dtype=object)

    def instants(count: int) -> pd.Series:
        return pd.Series(start + pd.to_timedelta(rng.uniform(0, span_hours, count), unit="h"))

    def later(base: pd.Series, mean_hours: float) -> pd.Series:
        return base + pd.to_timedelta(rng.exponential(mean_hours, len(base)), unit="h")

    # Features, their alignment sessions (1-4 each, the last aligned), revisions and reviews.
    feature_ids = np.arange(features)
    feature_team = slugs[rng.integers(0, teams, features)]
    first_session = instants(features)
    delivered = later(first_session, 24 * 30).where(rng.random(features) < 0.7)
    base = week_index(first_week)
    labels = np.array([week_label(base + week) for week in range(weeks)], dtype=object)
    planned = pd.Series(labels[rng.integers(0, weeks, features)]).where(rng.random(features) < 0.8)
    feature_frame = pd.DataFrame(
        {
            "feature": feature_ids,
            "team": feature_team,
            "kind": rng.choice(["product", "tech_debt", "platform", "bug"], features, p=[0.6, 0.2, 0.1, 0.1]),
            "status": rng.choice(["delivered", "accepted", "dropped", "in_progress"], features),
            "effort_points": rng.choice([1, 2, 3, 5, 8, 13], features).astype(float),
            "planned_week": planned,
            "delivered_at": delivered,
        }
    )
    session_count = rng.integers(1, 5, features)
    session_feature = np.repeat(feature_ids, session_count)
    session_rank = np.concatenate([np.arange(n) for n in session_count])
    session_at = first_session.iloc[session_feature].reset_index(drop=True) + pd.to_timedelta(
        session_rank * 36, unit="h"
    )
    is_last = session_rank == np.repeat(session_count - 1, session_count)
    sessions = pd.DataFrame(
        {
            "feature": session_feature,
            "held_at": session_at,
            "outcome": np.where(is_last & (rng.random(len(session_feature)) < 0.9), "aligned", "continue"),
        }
    )
    revision_feature = rng.integers(0, features, features)
    revisions = pd.DataFrame(
        {
            "feature": revision_feature,
            "at": later(first_session.iloc[revision_feature].reset_index(drop=True), 24 * 10),
            "kind": rng.choice(["rework", "clarification"], features),
        }
    )
    reviewed = feature_frame[feature_frame["delivered_at"].notna()]
    reviews = pd.DataFrame(
        {
            "feature": reviewed["feature"].to_numpy(),
            "at": later(reviewed["delivered_at"].reset_index(drop=True), 48),
            "outcome": rng.choice(["accepted", "rejected"], len(reviewed), p=[0.85, 0.15]),
        }
    )

    # One DRIVE sync per team and week, five sections each.
    sync_ids = np.arange(teams * weeks)
    sync_start = pd.Series(
        start + pd.to_timedelta(np.tile(np.arange(weeks) * 7 * 24 + 33, teams), unit="h")
    ) + pd.to_timedelta(rng.integers(0, 120, len(sync_ids)), unit="m")
    sync_end = sync_start + pd.to_timedelta(rng.normal(46, 6, len(sync_ids)).clip(20), unit="m")
    syncs = pd.DataFrame(
        {"sync": sync_ids, "team": np.repeat(slugs, weeks), "started_at": sync_start, "ended_at": sync_end}
    )
    codes = ["delivery", "roadmap", "issues", "velocity", "escalation"]
    planned_minutes = [10.0, 15.0, 10.0, 5.0, 5.0]
    section_start = sync_start.iloc[np.repeat(sync_ids, 5)].reset_index(drop=True) + pd.to_timedelta(
        np.tile(np.cumsum([0, *planned_minutes[:-1]]), len(sync_ids)), unit="m"
    )
    sections = pd.DataFrame(
        {
            "sync": np.repeat(sync_ids, 5),
            "code": np.tile(codes, len(sync_ids)),
            "planned_minutes": np.tile(planned_minutes, len(sync_ids)),
            "started_at": section_start,
            "ended_at": section_start
            + pd.to_timedelta(
                np.tile(planned_minutes, len(sync_ids)) + rng.normal(1, 3, 5 * len(sync_ids)), unit="m"
            ),
        }
    )

    conflict_count = teams * weeks // 4
    conflict_resolved = instants(conflict_count).where(rng.random(conflict_count) < 0.9)
    conflicts = pd.DataFrame(
        {
            "conflict": np.arange(conflict_count),
            "team": slugs[rng.integers(0, teams, conflict_count)],
            "resolved_at": conflict_resolved,
            "sessions": rng.integers(1, 4, conflict_count),
        }
    )
    escalation_count = conflict_count // 3
    escalation_open = instants(escalation_count)
    escalations = pd.DataFrame(
        {
            "escalation": np.arange(escalation_count),
            "team": pd.Series(slugs[rng.integers(0, teams, escalation_count)]).where(
                rng.random(escalation_count) < 0.95
            ),
            "level": rng.integers(1, 4, escalation_count),
            "opened_at": escalation_open,
            "decided_at": later(escalation_open, 72).where(rng.random(escalation_count) < 0.8),
        }
    )

    # Deployments (80 % production success), 1-5 commits each, incidents on 5 %.
    deployment_finished = instants(deployments)
    deployment_team = slugs[rng.integers(0, teams, deployments)]
    deployment_frame = pd.DataFrame(
        {
            "deployment": np.arange(deployments),
            "team": deployment_team,
            "environment": rng.choice(["production", "staging", "test"], deployments, p=[0.85, 0.1, 0.05]),
            "result": rng.choice(["success", "failure"], deployments, p=[0.93, 0.07]),
            "finished_at": deployment_finished,
        }
    )
    commit_count = rng.integers(1, 6, deployments)
    commit_deployment = np.repeat(np.arange(deployments), commit_count)
    commits = pd.DataFrame(
        {
            "deployment": commit_deployment,
            "authored_at": deployment_finished.iloc[commit_deployment].reset_index(drop=True)
            - pd.to_timedelta(rng.exponential(60, len(commit_deployment)) - 1, unit="h"),
        }
    )
    incident_count = deployments // 20
    incident_start = instants(incident_count)
    incidents = pd.DataFrame(
        {
            "incident": np.arange(incident_count),
            "team": slugs[rng.integers(0, teams, incident_count)],
            "started_at": incident_start,
            "resolved_at": later(incident_start, 20),
            "deployment": pd.Series(rng.integers(0, deployments, incident_count), dtype=object).where(
                rng.random(incident_count) < 0.3
            ),
        }
    )
    pulses = pd.DataFrame(
        {
            "team": np.repeat(slugs, weeks),
            "week": np.tile(labels, teams),
            "score": rng.integers(1, 6, teams * weeks).astype(float),
        }
    )
    return Frames.from_records(
        features=feature_frame,
        alignment_sessions=sessions,
        revisions=revisions,
        reviews=reviews,
        syncs=syncs,
        sync_sections=sections,
        conflicts=conflicts,
        escalations=escalations,
        deployments=deployment_frame,
        commits=commits,
        incidents=incidents,
        pulses=pulses,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--features", type=int, default=20_000)
    parser.add_argument("--deployments", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=160)
    parser.add_argument("--window", type=int, default=13)
    parser.add_argument("--tz", default="Europe/Paris")
    args = parser.parse_args()

    began = time.perf_counter()
    frames = make_frames(
        teams=args.teams, features=args.features, deployments=args.deployments, weeks=args.weeks, tz=args.tz
    )
    built = time.perf_counter()
    sizes = {name: len(getattr(frames, name)) for name in frames.__dataclass_fields__}
    print(f"frames built in {built - began:.2f} s: {sizes}")

    first = week_index("2023-W01")
    widths = tuple(dict.fromkeys([1, 4, args.window]))
    began = time.perf_counter()
    table = compute_table(
        frames,
        tz=args.tz,
        first_week=week_label(first),
        last_week=week_label(first + args.weeks - 1),
        widths=widths,
    )
    elapsed = time.perf_counter() - began
    results = len(widths) * len(table.grids) * len(table.windows.groups) * table.windows.count
    print(
        f"compute_table widths={widths} weeks={args.weeks}: {results} results, column-wise, in {elapsed:.2f} s"
    )
    for window in widths:
        began = time.perf_counter()
        results = compute_series(
            frames,
            tz=args.tz,
            first_week=week_label(first),
            last_week=week_label(first + args.weeks - 1),
            window_weeks=window,
        )
        elapsed = time.perf_counter() - began
        print(
            f"compute_series window={window:>2} weeks={args.weeks}: {len(results)} results in {elapsed:.2f} s"
        )


if __name__ == "__main__":
    main()
