"""Deployments (with their commits) and incidents: several deployments a week per squad, mostly
successful production ones, and the deployment that shipped each delivered feature."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from workspace.demo.clock import WEEKS, Clock
from workspace.demo.history import Delivery
from workspace.demo.people import SQUADS
from workspace.demo.stories import INCIDENT_TITLES

INCIDENTS = 16


def _commits(clock: Clock, rng: random.Random, finished: dt.datetime, count: int) -> list[dict[str, Any]]:
    commits = []
    for _ in range(count):
        # Lead times from an hour to a few days, most within a working day.
        hours = min(rng.expovariate(1 / 16) + 0.5, 120)
        authored = finished - dt.timedelta(
            hours=hours, seconds=rng.randrange(3600), microseconds=rng.randrange(10**6)
        )
        commits.append({"sha": f"{rng.getrandbits(160):040x}", "authored_at": clock.stamp(authored)})
    commits.sort(key=lambda commit: commit["authored_at"])
    return commits


def build_deployments(clock: Clock, rng: random.Random, deliveries: list[Delivery]) -> list[dict[str, Any]]:
    found: list[tuple[dt.datetime, dict[str, Any]]] = []
    for week in range(WEEKS):
        for squad in SQUADS:
            for _ in range(rng.randint(*squad.deploys_per_week)):
                day = clock.day(week, rng.randrange(0, 5))
                finished = clock.at(day, rng.randrange(9, 19), rng.randrange(60), rng.randrange(60))
                production = rng.random() < 0.85
                success = rng.random() < (0.93 if production else 0.9)
                found.append(
                    (
                        finished,
                        {
                            "team": squad.slug,
                            "environment": "production" if production else "staging",
                            "result": "success" if success else "failure",
                            "finished_at": clock.stamp(finished),
                            "commits": _commits(clock, rng, finished, rng.randint(1, 4)),
                            "features": [],
                        },
                    )
                )
    for delivery in deliveries:
        finished = delivery.at - dt.timedelta(minutes=rng.randrange(5, 60))
        found.append(
            (
                finished,
                {
                    "team": delivery.team,
                    "environment": "production",
                    "result": "success",
                    "finished_at": clock.stamp(finished),
                    "commits": _commits(clock, rng, finished, rng.randint(2, 5)),
                    "features": [delivery.key],
                },
            )
        )
    found = [item for item in found if clock.past(item[0])]
    found.sort(key=lambda item: item[0])
    return [
        {"key": f"DEP-{number:04d}", **deployment} for number, (_, deployment) in enumerate(found, start=1)
    ]


def build_incidents(
    clock: Clock, rng: random.Random, deployments: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    production = [d for d in deployments if d["environment"] == "production"]
    chosen = sorted(rng.sample(production, min(INCIDENTS, len(production))), key=lambda d: d["finished_at"])
    incidents: list[dict[str, Any]] = []
    for deployment in chosen:
        started = dt.datetime.fromisoformat(deployment["finished_at"]) + dt.timedelta(
            minutes=rng.randrange(10, 300)
        )
        if not clock.past(started):
            continue
        incident: dict[str, Any] = {
            "key": f"INC-{len(incidents) + 1:03d}",
            "team": deployment["team"],
            "title": rng.choice(INCIDENT_TITLES[deployment["team"]]),
            "started_at": clock.stamp(started),
        }
        restored = started + dt.timedelta(minutes=rng.choice([18, 25, 35, 45, 55, 70, 95, 140, 240, 380]))
        if clock.past(restored):
            incident["resolved_at"] = clock.stamp(restored)
        if rng.random() < 0.6:
            incident["deployment"] = deployment["key"]  # linked explicitly; the others implicitly
        incidents.append(incident)
    return incidents
