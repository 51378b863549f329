from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import Counter
from typing import Any

import pytest

from collab.models import Feature, Membership, Organisation, Role
from rituals.models import ConflictCategory
from workspace.demo import DEMO_LOGINS, DEMO_SLUG, build_demo_document
from workspace.exporter import export_workspace
from workspace.importer import import_workspace
from workspace.roundtrip import differences
from workspace.validation import validate_workspace

TODAY = dt.date(2026, 11, 21)  # a Saturday: the history ends on Sunday 15 November
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_demo_document(today=TODAY)


def stamps(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in stamps(value)]
    if isinstance(node, list):
        return [s for value in node for s in stamps(value)]
    return [node] if isinstance(node, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", node) else []


@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 1, 2), dt.date(2026, 3, 30), dt.date(2025, 10, 27)])
def test_the_demo_document_is_valid(today: dt.date) -> None:
    assert validate_workspace(build_demo_document(today=today)) == []


def test_the_same_seed_gives_the_same_document(doc: dict[str, Any]) -> None:
    assert build_demo_document(today=TODAY) == doc
    assert build_demo_document(today=TODAY, seed=8) != doc


def test_six_months_of_history_ending_the_week_before_today(doc: dict[str, Any]) -> None:
    history = {**doc, "syncs": [s for s in doc["syncs"] if "started_at" in s]}
    instants = sorted(dt.datetime.fromisoformat(s) for s in stamps(history))
    monday = dt.datetime(2026, 11, 16, tzinfo=PARIS)
    assert instants[-1] < monday
    assert instants[-1] > monday - dt.timedelta(days=7)
    assert monday - dt.timedelta(weeks=27) <= instants[0] < monday - dt.timedelta(weeks=24)
    assert all(s[-6:] in ("+01:00", "+02:00") for s in stamps(doc))


def test_an_organisation_with_every_role_and_three_squads(doc: dict[str, Any]) -> None:
    assert doc["organisation"] == {
        "slug": "acme",
        "name": "Acme Cloud",
        "time_zone": "Europe/Paris",
        "language": "en",
    }
    roles = Counter(person["role"] for person in doc["people"])
    assert set(roles) == set(Role.values)
    assert [(t["slug"], t["topology"]) for t in doc["teams"]] == [
        ("checkout", "stream_aligned"),
        ("growth", "stream_aligned"),
        ("platform", "platform"),
    ]
    for team in doc["teams"]:
        team_roles = Counter(m["role"] for m in team["members"])
        assert team_roles["pm"] == team_roles["tech_lead"] == team_roles["designer"] == 1
        assert 2 <= team_roles["engineer"] <= 3


def test_one_login_per_role(doc: dict[str, Any]) -> None:
    roles = {person["email"]: person["role"] for person in doc["people"]}
    assert sorted(role for role, _ in DEMO_LOGINS) == sorted(Role.values)
    assert all(roles[email] == role for role, email in DEMO_LOGINS)
    assert dict(DEMO_LOGINS)["cto"] == "cto@acme.test"
    assert dict(DEMO_LOGINS)["pm"] == "pm.checkout@acme.test"


def test_features_of_every_kind_and_status_with_real_titles(doc: dict[str, Any]) -> None:
    features = doc["features"]
    assert 55 <= len(features) <= 65
    assert set(Counter(f["kind"] for f in features)) == set(Feature.Kind.values)
    assert set(Counter(f["status"] for f in features)) == set(Feature.Status.values)
    titles = [f["title"] for f in features]
    assert len(set(titles)) == len(titles)
    assert not any(re.fullmatch(r"Feature \d+", title) for title in titles)
    sessions = Counter(len(f["alignment_sessions"]) for f in features if f["alignment_sessions"])
    assert sessions[1] + sessions[2] > 4 * sessions[3] > 0
    reviews = [f["acceptance_reviews"][0]["outcome"] for f in features if f["acceptance_reviews"]]
    assert 0 < reviews.count("rejected") < reviews.count("accepted") / 3
    assert any(r["kind"] == "rework" for f in features for r in f["revisions"])
    assert all(f["spec"]["options"] for f in features if f["status"] not in ("idea",))


def test_okrs_for_two_quarters(doc: dict[str, Any]) -> None:
    assert sorted({o["quarter"] for o in doc["objectives"]}) == ["2026-Q3", "2026-Q4"]
    kinds = {kr["kind"] for o in doc["objectives"] for kr in o["key_results"]}
    assert kinds == {"business", "technical"}


def test_weekly_drive_syncs_and_leadership_weeklies(doc: dict[str, Any]) -> None:
    drive = [s for s in doc["syncs"] if s["ritual"] == "drive" and "started_at" in s]
    for team in ("checkout", "growth", "platform"):
        assert 22 <= sum(1 for s in drive if s["team"] == team) <= 26
    assert all(
        [(x["code"], x["planned_minutes"]) for x in s["sections"]]
        == [("delivery", 10), ("roadmap", 15), ("issues", 10), ("velocity", 5), ("escalation", 5)]
        for s in drive
    )
    overran = [
        s
        for s in drive
        if dt.datetime.fromisoformat(s["ended_at"]) - dt.datetime.fromisoformat(s["started_at"])
        > dt.timedelta(minutes=45)
    ]
    assert 0.1 < len(overran) / len(drive) < 0.6
    assert all(s["items"] and s["action_items"] for s in drive)
    upcoming = [s for s in doc["syncs"] if "started_at" not in s]
    assert sorted(s["team"] for s in upcoming) == ["checkout", "growth", "platform"]
    assert all(dt.datetime.fromisoformat(s["scheduled_at"]).date() > TODAY for s in upcoming)
    leadership = [s for s in doc["syncs"] if s["ritual"] == "cto_cpo"]
    assert len(leadership) >= 10
    assert all("team" not in s for s in leadership)


def test_conflicts_of_every_level_and_escalations(doc: dict[str, Any]) -> None:
    assert {c["category"] for c in doc["conflicts"]} == set(ConflictCategory.values)
    assert all(c["pivot"]["facts"] and len(c["pivot"]["options"]) >= 2 for c in doc["conflicts"])
    resolved = [c for c in doc["conflicts"] if "resolved_at" in c]
    assert sum(1 for c in resolved if len(c["sessions"]) == 1) / len(resolved) > 0.6
    assert len(resolved) < len(doc["conflicts"])
    escalations = doc["escalations"]
    assert {e["level"] for e in escalations} == {1, 2, 3}
    assert any("decided_at" in e for e in escalations)
    assert any("decided_at" not in e for e in escalations)
    assert any("sync" in e for e in escalations)
    assert any("conflict" in e for e in escalations)


def test_obstacles_of_each_kind(doc: dict[str, Any]) -> None:
    kinds = {o["kind"] for o in doc["obstacles"]}
    assert kinds == {
        "cross_team_dependency",
        "missing_capability",
        "customer_issue",
        "platform_dependency",
        "stakeholder_decision",
    }
    assert any("resolved_at" in o for o in doc["obstacles"])
    assert any("resolved_at" not in o for o in doc["obstacles"])


def test_deployments_incidents_and_pulses(doc: dict[str, Any]) -> None:
    deployments = doc["deployments"]
    kinds = Counter((d["environment"], d["result"]) for d in deployments)
    assert kinds[("production", "success")] > 0.7 * len(deployments)
    assert kinds[("staging", "success")]
    assert kinds[("production", "failure")]
    weeks = 26 * 3
    assert len(deployments) / weeks >= 2
    lead_times = [
        dt.datetime.fromisoformat(d["finished_at"]) - dt.datetime.fromisoformat(c["authored_at"])
        for d in deployments
        for c in d["commits"]
    ]
    assert all(lead > dt.timedelta(0) for lead in lead_times)
    assert max(lead_times) > dt.timedelta(days=2)
    shipped = {key for d in deployments for key in d["features"]}
    assert shipped == {f["key"] for f in doc["features"] if f.get("delivered_at")}
    incidents = doc["incidents"]
    assert 10 <= len(incidents) <= 20
    assert any("deployment" in i for i in incidents)
    assert any("deployment" not in i for i in incidents)
    pulse_weeks = {(p["team"], p["week"]) for p in doc["pulses"]}
    assert len(pulse_weeks) == weeks


def test_the_glossary_has_the_seeds_four_terms_in_english_and_french(doc: dict[str, Any]) -> None:
    terms = {(g["language"], g["term"]): g["business_term"] for g in doc["glossary"]}
    assert terms[("en", "Technical debt")] == "Development inefficiencies"
    assert terms[("fr", "Architecture")] == "Socle technologique"
    assert Counter(language for language, _ in terms) == {"en": 4, "fr": 4}


@pytest.mark.django_db
def test_the_demo_imports_and_exports_back(doc: dict[str, Any]) -> None:
    org = import_workspace(build_demo_document(today=TODAY))
    assert org.slug == DEMO_SLUG
    assert Organisation.objects.get(slug="acme").name == "Acme Cloud"
    assert Membership.objects.filter(org=org).count() == len(doc["people"])
    assert differences(doc, export_workspace(org)) == []
