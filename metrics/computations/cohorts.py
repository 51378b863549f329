"""Cohorts: one record per member, with the week that places it in windows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from metrics.computations.targets import Target
from metrics.computations.weeks import NAT, NS_PER_DAY, NS_PER_HOUR, Calendar, nanoseconds, weeks_of_labels
from metrics.computations.windows import Windows
from metrics.frames import TIMESTAMP_DTYPE, Frames


def _elapsed(later: pd.Series, earlier: pd.Series, unit: int) -> np.ndarray:
    """`later − earlier` in units of `unit` nanoseconds, as floats; NaN where either is missing."""
    end, start = nanoseconds(later), nanoseconds(earlier)
    missing = (end == NAT) | (start == NAT)
    return np.where(missing, np.nan, (np.where(missing, 0, end) - np.where(missing, 0, start)) / unit)


def _hours(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return _elapsed(later, earlier, NS_PER_HOUR)


@dataclass(frozen=True, eq=False)
class Cohorts:
    frames: Frames
    calendar: Calendar
    windows: Windows
    targets: Mapping[str, Target]  # time_to_alignment's says which specs are "within target"

    def _feature_team(self, feature: pd.Series) -> pd.Series:
        teams = self.frames.features.drop_duplicates("feature").set_index("feature")["team"]
        return feature.map(teams)

    @cached_property
    def aligned_specs(self) -> pd.DataFrame:
        """Specs with an aligned session: sessions up to it, days since the first, rework after."""
        sessions = self.frames.alignment_sessions
        sessions = sessions[
            sessions["held_at"].notna() & sessions["feature"].isin(self.frames.features["feature"])
        ]
        aligned_at = (
            sessions[sessions["outcome"] == "aligned"].groupby("feature", sort=False)["held_at"].min()
        )
        sessions = sessions.merge(aligned_at.rename("aligned_at").reset_index(), on="feature", how="inner")
        sessions = sessions[sessions["held_at"] <= sessions["aligned_at"]]
        specs = sessions.groupby("feature", sort=False).agg(
            aligned_at=("aligned_at", "first"), first_at=("held_at", "min"), sessions=("held_at", "size")
        )
        specs = specs.reset_index()
        revisions = self.frames.revisions
        rework = revisions[revisions["kind"] == "rework"].merge(
            specs[["feature", "aligned_at"]], on="feature", how="inner"
        )
        reworked = rework.loc[rework["at"] > rework["aligned_at"], "feature"]
        return self.windows.cohort(
            self._feature_team(specs["feature"]),
            self.calendar.weeks(specs["aligned_at"]),
            sessions=specs["sessions"].to_numpy(dtype="int64"),
            days=_elapsed(specs["aligned_at"], specs["first_at"], NS_PER_DAY),
            reworked=specs["feature"].isin(reworked).to_numpy(),
        )

    @cached_property
    def first_reviews(self) -> pd.DataFrame:
        reviews = self.frames.reviews
        reviews = reviews[reviews["at"].notna() & reviews["feature"].isin(self.frames.features["feature"])]
        first = reviews.sort_values("at", kind="stable").drop_duplicates("feature")
        return self.windows.cohort(
            self._feature_team(first["feature"]),
            self.calendar.weeks(first["at"]),
            accepted=(first["outcome"] == "accepted").to_numpy(),
        )

    @cached_property
    def resolved_conflicts(self) -> pd.DataFrame:
        conflicts = self.frames.conflicts
        conflicts = conflicts[conflicts["resolved_at"].notna()]
        return self.windows.cohort(
            conflicts["team"],
            self.calendar.weeks(conflicts["resolved_at"]),
            sessions=conflicts["sessions"].to_numpy(dtype="int64"),
        )

    @cached_property
    def delivered_features(self) -> pd.DataFrame:
        features = self.frames.features
        features = features[features["delivered_at"].notna()]
        return self.windows.cohort(
            features["team"],
            self.calendar.weeks(features["delivered_at"]),
            points=features["effort_points"].fillna(0).to_numpy(dtype="float64"),
            kind=features["kind"].to_numpy(dtype=object),
        )

    @cached_property
    def planned_features(self) -> pd.DataFrame:
        features = self.frames.features
        planned = weeks_of_labels(features["planned_week"])
        delivered = self.calendar.weeks(features["delivered_at"])
        # Delivered before the Monday 00:00 after the planned week is delivered in a week ≤ it.
        on_time = (features["status"] != "dropped").to_numpy() & (delivered <= planned)
        return self.windows.cohort(features["team"], planned, on_time=on_time)

    @cached_property
    def _timed_syncs(self) -> pd.DataFrame:
        syncs = self.frames.syncs
        return syncs[syncs["started_at"].notna() & syncs["ended_at"].notna()].reset_index(drop=True)

    @cached_property
    def syncs(self) -> pd.DataFrame:
        syncs = self._timed_syncs
        planned = self.frames.sync_sections.groupby("sync")["planned_minutes"].sum()
        planned_minutes = syncs["sync"].map(planned).fillna(0).to_numpy(dtype="float64")
        minutes = _hours(syncs["ended_at"], syncs["started_at"]) * 60
        return self.windows.cohort(
            syncs["team"], self.calendar.weeks(syncs["started_at"]), on_time=minutes <= planned_minutes
        )

    @cached_property
    def sync_sections(self) -> pd.DataFrame:
        """Timed sections of the timed syncs, placed in the week their sync started."""
        syncs = self._timed_syncs[["sync", "team", "started_at"]].rename(
            columns={"started_at": "sync_started_at"}
        )
        sections = self.frames.sync_sections
        sections = sections[sections["started_at"].notna() & sections["ended_at"].notna()]
        sections = sections.merge(syncs, on="sync", how="inner")
        actual = _hours(sections["ended_at"], sections["started_at"]) * 60
        overrun = np.maximum(0.0, actual - sections["planned_minutes"].to_numpy(dtype="float64"))
        return self.windows.cohort(
            sections["team"],
            self.calendar.weeks(sections["sync_started_at"]),
            code=sections["code"].to_numpy(dtype=object),
            overrun=overrun,
        )

    @cached_property
    def escalations(self) -> pd.DataFrame:
        escalations = self.frames.escalations
        escalations = escalations[escalations["opened_at"].notna()]
        return self.windows.cohort(
            escalations["team"],
            self.calendar.weeks(escalations["opened_at"]),
            level=escalations["level"].to_numpy(dtype="int64"),
            hours=_hours(escalations["decided_at"], escalations["opened_at"]),
            decided=escalations["decided_at"].notna().to_numpy(),
        )

    @cached_property
    def _dora_deployments(self) -> pd.DataFrame:
        """Successful production deployments: the only ones DORA counts."""
        deployments = self.frames.deployments
        counted = (
            (deployments["environment"] == "production")
            & (deployments["result"] == "success")
            & deployments["finished_at"].notna()
        )
        return deployments[counted].reset_index(drop=True)

    @cached_property
    def deployments(self) -> pd.DataFrame:
        deployments = self._dora_deployments
        days = self.calendar.days(deployments["finished_at"])
        failed = deployments["deployment"].isin(self._failed_deployments())
        return self.windows.cohort(deployments["team"], (days + 3) // 7, day=days, failed=failed.to_numpy())

    def _failed_deployments(self) -> pd.Series:
        """Deployments with ≥ 1 incident linked: explicitly, or else implicitly to the team's latest
        counted deployment finished at or before the incident started."""
        incidents = self.frames.incidents
        counted = self._dora_deployments
        explicit = incidents["deployment"].notna()
        linked_explicitly = incidents.loc[explicit, "deployment"]
        unlinked = incidents[~explicit & incidents["started_at"].notna() & incidents["team"].notna()]
        if unlinked.empty or counted.empty:
            return linked_explicitly[linked_explicitly.isin(counted["deployment"])]
        # merge_asof needs one dtype for the `by` key on both sides.
        left = pd.DataFrame(
            {"team": unlinked["team"].astype(object), "at": unlinked["started_at"].astype(TIMESTAMP_DTYPE)}
        ).sort_values("at", kind="stable")
        right = pd.DataFrame(
            {
                "team": counted["team"].astype(object),
                "at": counted["finished_at"].astype(TIMESTAMP_DTYPE),
                "deployment": counted["deployment"],
            }
        ).sort_values("at", kind="stable")
        right = right[right["team"].notna()]
        implicit = pd.merge_asof(left, right, on="at", by="team", direction="backward")["deployment"]
        linked = pd.concat([linked_explicitly.astype(object), implicit.dropna().astype(object)])
        return linked[linked.isin(counted["deployment"])]

    @cached_property
    def commits(self) -> pd.DataFrame:
        """Commits of counted deployments with a positive lead time, in the deployment's week."""
        deployments = self._dora_deployments
        commits = self.frames.commits
        commits = commits[commits["authored_at"].notna()]
        keys = pd.Index(deployments["deployment"])
        if keys.is_unique:
            # Each commit takes its deployment's team position, week and finish by position.
            of = keys.get_indexer(commits["deployment"])
            counted = of >= 0
            of, authored = of[counted], nanoseconds(commits["authored_at"])[counted]
            finished = nanoseconds(deployments["finished_at"])
            hours = (finished[of] - authored) / NS_PER_HOUR
            positive = hours > 0
            group = self.windows.group_of(deployments["team"])[of]
            week = self.calendar.weeks(deployments["finished_at"])[of]
            return self.windows.records(group[positive], week[positive], hours=hours[positive])
        joined = commits.merge(
            deployments[["deployment", "team", "finished_at"]], on="deployment", how="inner"
        )
        hours = _hours(joined["finished_at"], joined["authored_at"])
        positive = hours > 0
        return self.windows.cohort(
            joined.loc[positive, "team"],
            self.calendar.weeks(joined.loc[positive, "finished_at"]),
            hours=hours[positive],
        )

    @cached_property
    def resolved_incidents(self) -> pd.DataFrame:
        incidents = self.frames.incidents
        incidents = incidents[incidents["resolved_at"].notna() & incidents["started_at"].notna()]
        return self.windows.cohort(
            incidents["team"],
            self.calendar.weeks(incidents["resolved_at"]),
            hours=_hours(incidents["resolved_at"], incidents["started_at"]),
        )

    @cached_property
    def pulses(self) -> pd.DataFrame:
        pulses = self.frames.pulses
        pulses = pulses[pulses["score"].notna()]
        return self.windows.cohort(
            pulses["team"], weeks_of_labels(pulses["week"]), score=pulses["score"].to_numpy(dtype="float64")
        )
