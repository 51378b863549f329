"""The organisation bench/metrics_bench.py measures: generated once into its database."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

BENCH_SLUG = "bench-org"
SMALL_SLUG = "bench-small"


def generate(*, teams: int, features: int, deployments: int, weeks: int, seed: int = 7) -> Any:  # noqa: C901
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from collab.models import (
        AcceptanceReview,
        AlignmentSession,
        Feature,
        Membership,
        Organisation,
        Spec,
        SpecRevision,
        Team,
        User,
    )
    from delivery.models import Commit, Deployment, Incident
    from rituals.models import Conflict, ConflictSession, Escalation, Pulse, Sync, SyncSection

    rng = random.Random(seed)
    now = timezone.now()
    start = now - timedelta(weeks=weeks)
    span = (now - start).total_seconds()
    batch = 5000

    def instant() -> datetime:
        return start + timedelta(seconds=rng.uniform(0, span))

    def week_of(moment: datetime) -> str:
        year, number, _ = moment.isocalendar()
        return f"{year}-W{number:02d}"

    began = time.perf_counter()
    with transaction.atomic():
        org = Organisation.objects.create(slug=BENCH_SLUG, name="Bench Corp", time_zone="Europe/Paris")
        password = make_password("bench-password")
        users = User.objects.bulk_create(
            [
                User(email=f"person{n}@bench.test", name=f"Person {n}", password=password)
                for n in range(2 * teams + 1)
            ]
        )
        members = Membership.objects.bulk_create(
            [
                Membership(org=org, user=user, role="pm" if n % 2 else "tech_lead")
                for n, user in enumerate(users[1:])
            ]
            + [Membership(org=org, user=users[0], role="cto")]
        )
        team_rows = Team.objects.bulk_create(
            [Team(org=org, slug=f"team-{n:02d}", name=f"Team {n:02d}") for n in range(teams)]
        )

        feature_rows, firsts = [], []
        for n in range(features):
            first = instant()
            firsts.append(first)
            delivered = first + timedelta(days=rng.expovariate(1 / 30)) if rng.random() < 0.7 else None
            planned = week_of(first + timedelta(days=rng.uniform(7, 60))) if rng.random() < 0.8 else ""
            feature_rows.append(
                Feature(
                    org=org,
                    team=team_rows[rng.randrange(teams)],
                    key=f"F-{n}",
                    title=f"Feature {n}",
                    kind=rng.choices(["product", "tech_debt", "platform", "bug"], [6, 2, 1, 1])[0],
                    status="delivered" if delivered else rng.choice(["framing", "in_progress", "dropped"]),
                    effort_points=rng.choice([1, 2, 3, 5, 8, 13]),
                    planned_week=planned,
                    delivered_at=delivered if delivered and delivered < now else None,
                )
            )
        Feature.objects.bulk_create(feature_rows, batch_size=batch)
        specs = Spec.objects.bulk_create([Spec(feature=f) for f in feature_rows], batch_size=batch)
        sessions, revisions, reviews = [], [], []
        for feature, spec, first in zip(feature_rows, specs, firsts, strict=True):
            count = rng.randint(1, 4)
            for rank in range(count):
                held = first + timedelta(hours=36 * rank)
                aligned = rank == count - 1 and rng.random() < 0.9
                sessions.append(
                    AlignmentSession(
                        spec=spec,
                        held_at=held,
                        phase="solution_design" if rank else "context_setting",
                        outcome="aligned" if aligned else "continue",
                    )
                )
            if rng.random() < 0.5:
                revisions.append(
                    SpecRevision(
                        spec=spec,
                        at=first + timedelta(days=rng.uniform(1, 20)),
                        by=members[rng.randrange(len(members))],
                        kind=rng.choice(["rework", "clarification"]),
                    )
                )
            if feature.delivered_at:
                accepted = rng.random() < 0.85
                reviews.append(
                    AcceptanceReview(
                        feature=feature,
                        at=feature.delivered_at + timedelta(hours=rng.uniform(2, 96)),
                        by=members[rng.randrange(len(members))],
                        outcome="accepted" if accepted else "rejected",
                        reason="" if accepted else "Missed a success criterion",
                    )
                )
        AlignmentSession.objects.bulk_create(sessions, batch_size=batch)
        SpecRevision.objects.bulk_create(revisions, batch_size=batch)
        AcceptanceReview.objects.bulk_create(reviews, batch_size=batch)

        deployment_rows = []
        for n in range(deployments):
            deployment_rows.append(
                Deployment(
                    org=org,
                    team=team_rows[rng.randrange(teams)],
                    key=f"D-{n}",
                    environment=rng.choices(["production", "staging", "test"], [85, 10, 5])[0],
                    result="success" if rng.random() < 0.93 else "failure",
                    finished_at=instant(),
                    source="bench",
                )
            )
        Deployment.objects.bulk_create(deployment_rows, batch_size=batch)
        commits = [
            Commit(
                deployment=d,
                sha=f"{n:08x}{k}",
                authored_at=d.finished_at - timedelta(hours=rng.expovariate(1 / 40)),
            )
            for n, d in enumerate(deployment_rows)
            for k in range(rng.randint(1, 3))
        ]
        Commit.objects.bulk_create(commits, batch_size=batch)
        incidents = []
        for n in range(deployments // 20):
            began_at = instant()
            linked = deployment_rows[rng.randrange(deployments)] if rng.random() < 0.3 else None
            incidents.append(
                Incident(
                    org=org,
                    team=linked.team if linked else team_rows[rng.randrange(teams)],
                    key=f"I-{n}",
                    title=f"Incident {n}",
                    started_at=began_at,
                    resolved_at=began_at + timedelta(hours=rng.expovariate(1 / 12)),
                    deployment=linked,
                )
            )
        Incident.objects.bulk_create(incidents, batch_size=batch)

        syncs, sections = [], []
        codes = [("delivery", 10), ("roadmap", 15), ("issues", 10), ("velocity", 5), ("escalation", 5)]
        for team in team_rows:
            facilitator = members[rng.randrange(len(members))]
            for week in range(weeks):
                began_at = start + timedelta(weeks=week, hours=33 + rng.uniform(0, 4))
                if began_at > now:
                    continue
                minutes = max(20.0, rng.gauss(46, 6))
                sync = Sync(
                    org=org,
                    team=team,
                    key=f"S-{team.slug}-{week}",
                    facilitator=facilitator,
                    scheduled_at=began_at,
                    started_at=began_at,
                    ended_at=began_at + timedelta(minutes=minutes),
                    status="closed",
                )
                syncs.append(sync)
        Sync.objects.bulk_create(syncs, batch_size=batch)
        for sync in syncs:
            at = sync.started_at
            for position, (code, planned) in enumerate(codes):
                length = max(1.0, planned + rng.gauss(1, 3))
                sections.append(
                    SyncSection(
                        sync=sync,
                        code=code,
                        planned_minutes=planned,
                        position=position,
                        started_at=at,
                        ended_at=at + timedelta(minutes=length),
                    )
                )
                at += timedelta(minutes=length)
        SyncSection.objects.bulk_create(sections, batch_size=batch)

        conflicts = []
        for n in range(teams * weeks // 4):
            opened = instant()
            resolved = opened + timedelta(days=rng.uniform(1, 20))
            conflicts.append(
                Conflict(
                    org=org,
                    team=team_rows[rng.randrange(teams)],
                    key=f"C-{n}",
                    title=f"Conflict {n}",
                    category=rng.choice(["timeline", "scope", "budget", "architecture"]),
                    opened_at=opened,
                    resolved_at=resolved if resolved < now and rng.random() < 0.9 else None,
                )
            )
        Conflict.objects.bulk_create(conflicts, batch_size=batch)
        ConflictSession.objects.bulk_create(
            [
                ConflictSession(conflict=c, held_at=c.opened_at + timedelta(days=k))
                for c in conflicts
                for k in range(rng.randint(1, 3))
            ],
            batch_size=batch,
        )
        escalations = []
        for n, conflict in enumerate(conflicts[::3]):
            decided = conflict.opened_at + timedelta(hours=rng.expovariate(1 / 72))
            escalations.append(
                Escalation(
                    org=org,
                    key=f"E-{n}",
                    level=rng.randint(1, 3),
                    title=f"Escalation {n}",
                    opened_at=conflict.opened_at,
                    decided_at=decided if decided < now else None,
                    conflict=conflict,
                )
            )
        Escalation.objects.bulk_create(escalations, batch_size=batch)
        Pulse.objects.bulk_create(
            [
                Pulse(org=org, team=s.team, week=week_of(s.started_at), score=rng.randint(2, 5), sync=s)
                for s in syncs
            ],
            batch_size=batch,
        )

        small = Organisation.objects.create(slug=SMALL_SLUG, name="Small Co", time_zone="Europe/Paris")
        Team.objects.create(org=small, slug="solo", name="Solo")
        Membership.objects.create(org=small, user=users[0], role="cto")
    rows = {
        "features": len(feature_rows),
        "alignment sessions": len(sessions),
        "revisions": len(revisions),
        "reviews": len(reviews),
        "deployments": len(deployment_rows),
        "commits": len(commits),
        "incidents": len(incidents),
        "syncs": len(syncs),
        "sync sections": len(sections),
        "conflicts": len(conflicts),
        "escalations": len(escalations),
        "pulses": len(syncs),
    }
    print(f"generated in {time.perf_counter() - began:.1f} s: {rows}")
    return org
