"""The demo organisation, Acme Cloud, as a ``collab-workspace/1`` document.

``build_demo_document(today=…)`` gives six months of believable history ending the week before
``today`` (and each squad's next DRIVE sync, scheduled): three squads (Checkout, Growth, Platform) and their leadership, OKRs for two quarters,
about sixty features framed both ways with their sessions, revisions and reviews, weekly DRIVE
syncs and CTO–CPO weeklies, PIVOT conflicts of every level, escalations, obstacles, deployments,
incidents, team pulses and the glossary. The same ``seed`` gives the same document.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from workspace.common import FORMAT, number
from workspace.demo.clock import TIME_ZONE, Clock
from workspace.demo.dora import build_deployments, build_incidents
from workspace.demo.history import build_features
from workspace.demo.people import DEMO_LOGINS, OBJECTIVES_CURRENT, OBJECTIVES_EARLIER, PEOPLE, SQUADS
from workspace.demo.records import (
    build_conflicts,
    build_obstacles,
    build_pulses,
    keyed_escalations,
    sync_escalations,
)
from workspace.demo.syncs import SyncBuilder

__all__ = ["DEMO_LOGINS", "DEMO_SLUG", "build_demo_document"]

DEMO_SLUG = "acme"

# Seed 000's four translations, with a word on why executives care.
GLOSSARY = [
    (
        "en",
        "Refactoring",
        "Modernisation for faster development",
        "Rewriting code without changing what it does, so that the next features cost less.",
    ),
    (
        "en",
        "Technical debt",
        "Development inefficiencies",
        "Shortcuts taken earlier that slow every change until they are paid back.",
    ),
    ("en", "Legacy system", "Outdated technology slowing innovation", ""),
    ("en", "Architecture", "Technology foundation", ""),
    (
        "fr",
        "Refactoring",
        "Modernisation pour accélérer le développement",
        "Réécrire le code sans changer ce qu'il fait, pour que les prochaines fonctionnalités coûtent moins.",
    ),
    (
        "fr",
        "Dette technique",
        "Inefficacités de développement",
        "Des raccourcis pris plus tôt qui ralentissent chaque changement tant qu'ils ne sont pas remboursés.",
    ),
    ("fr", "Système legacy", "Technologie dépassée qui freine l'innovation", ""),
    ("fr", "Architecture", "Socle technologique", ""),
]


def _objectives(clock: Clock) -> tuple[list[dict[str, Any]], dict[tuple[str, str], list[tuple[str, str]]]]:
    earlier, current = clock.quarters()
    objectives, key_results = [], {}
    for quarter, plans in ((earlier, OBJECTIVES_EARLIER), (current, OBJECTIVES_CURRENT)):
        for plan in plans:
            prefix = next(squad.prefix for squad in SQUADS if squad.slug == plan.squad)
            results = []
            for index, kr in enumerate(plan.key_results, start=1):
                item: dict[str, Any] = {
                    "key": f"{quarter}-{prefix}-KR{index}",
                    "title": kr.title,
                    "kind": kr.kind,
                }
                if kr.unit:
                    item["unit"] = kr.unit
                item["baseline"] = number(kr.baseline)
                item["target"] = number(kr.target)
                item["current"] = number(round(kr.baseline + kr.progress * (kr.target - kr.baseline), 1))
                results.append(item)
            key_results[(plan.squad, quarter)] = [(item["key"], item["kind"]) for item in results]
            objectives.append(
                {
                    "key": f"{quarter}-{prefix}",
                    "title": plan.title,
                    "quarter": quarter,
                    "teams": list(plan.teams),
                    "key_results": results,
                }
            )
    return objectives, key_results


def build_demo_document(*, today: dt.date, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    clock = Clock(today)
    objectives, key_results = _objectives(clock)
    history = build_features(clock, rng, SQUADS, key_results)
    sync_builder = SyncBuilder(clock, rng, history, today)
    syncs = sync_builder.build()
    conflicts, escalations = build_conflicts(clock, rng)
    escalations += sync_escalations(clock, rng, sync_builder.keys, {sync["key"]: sync for sync in syncs})
    deployments = build_deployments(clock, rng, history.deliveries)
    return {
        "format": FORMAT,
        "organisation": {"slug": DEMO_SLUG, "name": "Acme Cloud", "time_zone": TIME_ZONE, "language": "en"},
        "people": [{"email": p.email, "name": p.name, "role": p.role} for p in PEOPLE],
        "teams": [
            {
                "slug": squad.slug,
                "name": squad.name,
                "topology": squad.topology,
                "members": [{"email": p.email, "role": p.role} for p in PEOPLE if squad.slug in p.squads],
            }
            for squad in SQUADS
        ],
        "objectives": objectives,
        "features": history.features,
        "syncs": syncs,
        "conflicts": conflicts,
        "escalations": keyed_escalations(escalations),
        "obstacles": build_obstacles(clock, rng),
        "deployments": deployments,
        "incidents": build_incidents(clock, rng, deployments),
        "pulses": build_pulses(clock, rng),
        "glossary": [
            {
                "term": term,
                "business_term": business,
                "language": language,
                **({"explanation": why} if why else {}),
            }
            for language, term, business, why in GLOSSARY
        ],
    }
