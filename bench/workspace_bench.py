"""Time the workspace import and export on a large organisation.

    DATABASE_URL=… REDIS_URL=… DEBUG=1 .venv/bin/python bench/workspace_bench.py \
        [--deployments 100000] [--features 5000] [--teams 20] [--weeks 104] [--example FILE]

Builds a synthetic `collab-workspace/1` document (random but reproducible), then times each stage:
parsing the JSON, validating it (schema, semantic and database checks), loading it, exporting it,
and checks that the round trip gives the same document back. Everything runs inside a transaction
that is rolled back at the end, so the database is left as it was. With `--example FILE` it also
times the import and export of that document.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from workspace.exporter import export_workspace  # noqa: E402
from workspace.importer import _Loader, check_workspace, import_workspace  # noqa: E402
from workspace.roundtrip import differences  # noqa: E402
from workspace.validation import load_workspace_json  # noqa: E402

PARIS = dt.timezone(dt.timedelta(hours=1))
ROLES = ["pm", "tech_lead", "engineer", "engineer", "designer"]
SECTIONS = [("delivery", 10), ("roadmap", 15), ("issues", 10), ("velocity", 5), ("escalation", 5)]


def build(*, deployments: int, features: int, teams: int, weeks: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1, 9, tzinfo=PARIS)

    def at(hours: float) -> str:
        return (start + dt.timedelta(hours=hours)).isoformat()

    span = weeks * 7 * 24
    slugs = [f"team-{n}" for n in range(teams)]
    people = [{"email": "ops@bench.test", "name": "Ops", "role": "product_ops"}]
    members: dict[str, list[str]] = {}
    for slug in slugs:
        members[slug] = []
        for index, role in enumerate(ROLES):
            email = f"{slug}-{role}-{index}@bench.test"
            people.append({"email": email, "name": f"{slug} {role} {index}", "role": role})
            members[slug].append(email)
    doc: dict[str, Any] = {
        "format": "collab-workspace/1",
        "organisation": {"slug": "bench-org", "name": "Bench", "time_zone": "Europe/Paris", "language": "en"},
        "people": people,
        "teams": [
            {
                "slug": slug,
                "name": slug.title(),
                "topology": "stream_aligned",
                "members": [{"email": email, "role": ROLES[i]} for i, email in enumerate(members[slug])],
            }
            for slug in slugs
        ],
        "objectives": [],
        "features": [],
        "syncs": [],
        "conflicts": [],
        "escalations": [],
        "obstacles": [],
        "deployments": [],
        "incidents": [],
        "pulses": [],
        "glossary": [],
    }
    for n in range(features):
        team = rng.choice(slugs)
        first = rng.uniform(0, span - 24 * 40)
        sessions = [
            {
                "held_at": at(first + 48 * i),
                "phase": "context_setting" if i == 0 else "solution_design",
                "outcome": "aligned" if i == count - 1 else "continue",
                "attendees": members[team][:2],
                "duration_minutes": 45,
            }
            for count in [rng.randint(1, 3)]
            for i in range(count)
        ]
        feature: dict[str, Any] = {
            "key": f"F-{n}",
            "team": team,
            "title": f"Feature {n}",
            "kind": rng.choice(["product", "product", "tech_debt", "platform", "bug"]),
            "status": "accepted",
            "effort_points": rng.choice([1, 2, 3, 5, 8]),
            "rice": {"reach": rng.randint(100, 5000), "impact": 1, "confidence": 0.8, "effort": 2},
            "key_results": [],
            "delivered_at": at(first + 24 * 30),
            "spec": {
                "business_driver": {"kind": "revenue", "description": "why"},
                "technical_constraints": [{"kind": "legacy", "description": "old"}],
                "success_criteria": [
                    {"kind": "business", "metric": "conversion", "target": "+2%"},
                    {"kind": "technical", "metric": "p95", "target": "<400ms"},
                ],
                "options": [{"title": "A", "tradeoffs": "fast", "chosen": True}],
            },
            "alignment_sessions": sessions,
            "revisions": [],
            "acceptance_reviews": [
                {"at": at(first + 24 * 31), "by": members[team][0], "outcome": "accepted"}
            ],
        }
        doc["features"].append(feature)
    for slug in slugs:
        for week in range(weeks):
            begin = week * 7 * 24 + 1
            doc["syncs"].append(
                {
                    "key": f"S-{slug}-{week}",
                    "team": slug,
                    "ritual": "drive",
                    "facilitator": members[slug][0],
                    "scheduled_at": at(begin),
                    "started_at": at(begin),
                    "ended_at": at(begin + 0.8),
                    "sections": [{"code": code, "planned_minutes": minutes} for code, minutes in SECTIONS],
                    "items": [{"section": "delivery", "title": "status"}],
                    "decisions": [],
                    "action_items": [{"title": "follow up", "owner": members[slug][1]}],
                }
            )
            doc["pulses"].append({"team": slug, "week": _week(start + dt.timedelta(weeks=week)), "score": 4})
    for n in range(deployments):
        finished = rng.uniform(48, span)
        team = rng.choice(slugs)
        doc["deployments"].append(
            {
                "key": f"D-{n}",
                "team": team,
                "environment": "production" if rng.random() < 0.9 else "staging",
                "result": "success" if rng.random() < 0.95 else "failure",
                "finished_at": at(finished),
                "commits": [
                    {"sha": f"{rng.getrandbits(160):040x}", "authored_at": at(finished - rng.uniform(1, 48))}
                    for _ in range(rng.randint(1, 3))
                ],
                "features": [f"F-{rng.randrange(features)}"] if features and rng.random() < 0.3 else [],
            }
        )
        if rng.random() < 0.03:
            doc["incidents"].append(
                {
                    "key": f"I-{n}",
                    "team": team,
                    "title": "outage",
                    "started_at": at(finished + 1),
                    "resolved_at": at(finished + 2),
                    "deployment": f"D-{n}",
                }
            )
    return doc


def _week(day: dt.datetime) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def timed(label: str, func: Any) -> Any:
    begin = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = func()
    print(f"  {label:<28} {time.perf_counter() - begin:8.2f} s  ({len(queries)} queries)")
    return result


def bench(doc: dict[str, Any], title: str) -> None:
    doc["organisation"]["slug"] = f"bench-{uuid.uuid4().hex[:12]}"  # never one that exists
    counts = {name: len(doc[name]) for name in ("people", "features", "syncs", "deployments", "incidents")}
    commits = sum(len(d["commits"]) for d in doc["deployments"])
    print(f"{title}: {counts}, commits={commits}")
    text = timed("serialise (json.dumps)", lambda: json.dumps(doc, indent=1))
    print(f"  {'document size':<28} {len(text) / 1e6:8.1f} MB")
    parsed, _ = timed("parse (load_workspace_json)", lambda: load_workspace_json(text))
    errors = timed("validate (check_workspace)", lambda: check_workspace(parsed))
    if errors:
        raise SystemExit(f"the document is not valid: {errors[:5]}")
    with transaction.atomic():
        org = timed("load (database writes)", lambda: _Loader(parsed).load())
        transaction.set_rollback(True)
    with transaction.atomic():
        begin = time.perf_counter()
        org = import_workspace(parsed)
        print(f"  {'import_workspace (total)':<28} {time.perf_counter() - begin:8.2f} s")
        exported = timed("export_workspace", lambda: export_workspace(org))
        diff = differences(doc, exported)
        print(f"  {'round trip':<28} {'same document' if not diff else diff[:3]}")
        transaction.set_rollback(True)
    connection.queries_log.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployments", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=5_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--example", type=Path, help="also time this document (e.g. example-workspace.json)")
    args = parser.parse_args()
    if args.example:
        bench(json.loads(args.example.read_text(encoding="utf-8")), f"{args.example.name}")
    begin = time.perf_counter()
    doc = build(deployments=args.deployments, features=args.features, teams=args.teams, weeks=args.weeks)
    print(f"(built the synthetic document in {time.perf_counter() - begin:.1f} s)")
    bench(doc, "synthetic organisation")


if __name__ == "__main__":
    main()
