"""What a team's records weigh in each week: a digest per (team, week) of the cohort records the
engine reads (pure pandas/numpy, no Django).

Every metric of a window is a function of the cohort records placed in the window's weeks (see
`cohorts`), of the targets and of the window. A week's digest is the sum, modulo 2⁶⁴, of a hash of
each of its records (every column, the cohort's name included): two loads whose digests agree on a
week give that week the same records, so the windows that contain it keep their numbers. A
change's weeks are those whose digests differ; a recompute rewrites only the windows containing
them (`metrics.recompute`).

Instants before week `lo` count in week `lo − 1`, instants after week `hi` in week `hi + 1`
(`Calendar` clamps them there): a change outside the weeks computed still shows, in those weeks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from metrics.computations.cohorts import Cohorts
from metrics.computations.targets import targets_with_overrides
from metrics.computations.weeks import Calendar
from metrics.computations.windows import Windows
from metrics.frames import Frames

# Every cohort a measure reads (metrics.computations.measures).
COHORTS = (
    "aligned_specs",
    "first_reviews",
    "resolved_conflicts",
    "delivered_features",
    "planned_features",
    "syncs",
    "sync_sections",
    "escalations",
    "deployments",
    "commits",
    "resolved_incidents",
    "pulses",
)

Digests = tuple[np.ndarray, np.ndarray]  # weeks (int64, ascending), their digests (uint64)


class _EveryWeek(Windows):
    """Windows whose cohorts keep every record, whatever its week."""

    def records(self, group: np.ndarray, week: np.ndarray, **columns: Any) -> pd.DataFrame:
        return pd.DataFrame(
            {"group": np.asarray(group, dtype="int64"), "week": np.asarray(week, dtype="int64")}
            | {name: np.asarray(values) for name, values in columns.items()}
        )


def week_digests(
    frames: Frames,
    *,
    tz: str,
    lo: int,
    hi: int,
    teams: Iterable[str],
    targets: Mapping[str, Any] | None = None,
) -> dict[str, Digests]:
    """Each team's weeks with records and their digests (records of no team or of other teams
    are left out)."""
    team_list = tuple(dict.fromkeys(teams))
    windows = _EveryWeek(teams=team_list, org=False, first_end=hi, count=1, widths=(hi - lo + 1,))
    cohorts = Cohorts(
        frames=frames.normalised(),
        calendar=Calendar(tz=tz, lo=lo, hi=hi),
        windows=windows,
        targets=targets_with_overrides(targets),
    )
    groups, weeks, hashes = [], [], []
    for name in COHORTS:
        records = getattr(cohorts, name)
        records = records[records["group"].to_numpy() >= 0]
        if records.empty:
            continue
        values = records.drop(columns=["group"]).assign(cohort=name)
        hashes.append(pd.util.hash_pandas_object(values, index=False).to_numpy(dtype="uint64"))
        groups.append(records["group"].to_numpy(dtype="int64"))
        weeks.append(records["week"].to_numpy(dtype="int64"))
    found: dict[str, Digests] = {
        team: (np.zeros(0, dtype="int64"), np.zeros(0, dtype="uint64")) for team in team_list
    }
    if not hashes:
        return found
    group, week, digest = np.concatenate(groups), np.concatenate(weeks), np.concatenate(hashes)
    order = np.lexsort((week, group))
    group, week, digest = group[order], week[order], digest[order]
    starts = np.flatnonzero(np.r_[True, (group[1:] != group[:-1]) | (week[1:] != week[:-1])])
    with np.errstate(over="ignore"):
        sums = np.add.reduceat(digest, starts)  # modulo 2**64
    for position, team in enumerate(team_list):
        mine = group[starts] == position
        found[team] = (week[starts][mine], sums[mine].astype("uint64"))
    return found


def changed_weeks(before: Digests | None, after: Digests) -> np.ndarray:
    """The weeks whose digests differ (a week found in only one of them differs); every week of
    `after` when there is no `before`."""
    if before is None:
        return after[0].copy()
    weeks = np.union1d(before[0], after[0])
    return weeks[_at(before, weeks) != _at(after, weeks)]


def _at(digests: Digests, weeks: np.ndarray) -> np.ndarray:
    """The digests of `weeks` (0 where a week has no records: a sum of hashes is 0 only by a
    2⁻⁶⁴ chance, which a present week shows by its presence anyway)."""
    known, values = digests
    position = np.minimum(np.searchsorted(known, weeks), max(len(known) - 1, 0))
    found = (known[position] == weeks) if len(known) else np.zeros(len(weeks), dtype=bool)
    return np.where(found, values[position] if len(known) else 0, 0).astype("uint64")
