"""How many records of each kind a workspace document holds (shown after an import)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def _count(doc: dict[str, Any], name: str, child: str | None = None) -> int:
    records = doc.get(name) or []
    if child is None:
        return len(records)
    return sum(len(record.get(child) or []) for record in records if isinstance(record, dict))


def summarise(doc: dict[str, Any]) -> list[tuple[str, Promise, int]]:
    """``[(code, label, count), …]`` in the document's order."""
    features = doc.get("features") or []
    return [
        ("people", _("People"), _count(doc, "people")),
        ("teams", _("Teams"), _count(doc, "teams")),
        ("objectives", _("Objectives"), _count(doc, "objectives")),
        ("key_results", _("Key results"), _count(doc, "objectives", "key_results")),
        ("features", _("Features"), len(features)),
        ("specs", _("Specs"), sum(1 for feature in features if feature.get("spec"))),
        ("alignment_sessions", _("Alignment sessions"), _count(doc, "features", "alignment_sessions")),
        ("revisions", _("Spec revisions"), _count(doc, "features", "revisions")),
        ("acceptance_reviews", _("Acceptance reviews"), _count(doc, "features", "acceptance_reviews")),
        ("syncs", _("Syncs"), _count(doc, "syncs")),
        ("items", _("Sync items"), _count(doc, "syncs", "items")),
        ("decisions", _("Decisions"), _count(doc, "syncs", "decisions")),
        ("action_items", _("Action items"), _count(doc, "syncs", "action_items")),
        ("conflicts", _("Conflicts"), _count(doc, "conflicts")),
        ("escalations", _("Escalations"), _count(doc, "escalations")),
        ("obstacles", _("Obstacles"), _count(doc, "obstacles")),
        ("deployments", _("Deployments"), _count(doc, "deployments")),
        ("commits", _("Commits"), _count(doc, "deployments", "commits")),
        ("incidents", _("Incidents"), _count(doc, "incidents")),
        ("pulses", _("Pulse answers"), _count(doc, "pulses")),
        ("glossary", _("Glossary terms"), _count(doc, "glossary")),
    ]
