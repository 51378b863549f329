"""An organisation's whole record as a ``collab-workspace/1`` document.

Keys come in the format's order, lists in the order they were recorded (by id), optional fields
are left out when empty, timestamps are ISO 8601 in the organisation's time zone, and numbers are
ints when integral (RICE confidence stays a float, as in the format's example). The number of
queries is fixed (one per table, rows read as plain values), whatever the organisation's size.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from collab.models import (
    AcceptanceReview,
    AlignmentSession,
    Feature,
    GlossaryTerm,
    KeyResult,
    Membership,
    Objective,
    Organisation,
    SessionAttendance,
    Spec,
    SpecRevision,
    Team,
    TeamMember,
)
from collab.weeks import org_zone
from delivery.models import Commit, Deployment, Incident, PullRequest
from workspace.common import (
    FORMAT,
    as_float,
    format_timestamp,
    grouped,
    number,
    put,
    value_rows,
)
from workspace.leadership_exporter import export_leadership
from workspace.productops_exporter import export_productops
from workspace.rituals_exporter import export_rituals
from workspace.validation import schema

__all__ = ["export_workspace"]

INVEST_FIELDS = ("independent", "negotiable", "valuable", "estimable", "small", "testable")


def export_workspace(org: Organisation) -> dict[str, Any]:
    return _Exporter(org).export()


class _Exporter:
    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.zone = org_zone(org.time_zone)

    def ts(self, value: dt.datetime | None) -> str | None:
        return format_timestamp(value, self.zone)

    def export(self) -> dict[str, Any]:
        org = self.org
        doc: dict[str, Any] = {
            "format": FORMAT,
            "organisation": {
                "slug": org.slug,
                "name": org.name,
                "time_zone": org.time_zone,
                "language": org.language,
            },
        }
        put(doc, "targets", self.targets())
        doc["people"] = self.people()
        doc["teams"] = self.teams()
        doc["objectives"] = self.objectives()
        doc["features"] = self.features()
        rituals = export_rituals(
            org, ts=self.ts, emails=self.emails, team_slugs=self.team_slugs, feature_keys=self.feature_keys
        )
        for name in ("syncs", "conflicts", "escalations", "obstacles"):
            doc[name] = rituals[name]
        doc["deployments"], doc["incidents"] = self.deployments()
        put(doc, "pull_requests", self.pull_requests())
        doc["pulses"] = rituals["pulses"]
        doc["glossary"] = self.glossary()
        doc |= export_leadership(
            org, ts=self.ts, emails=self.emails, team_slugs=self.team_slugs, feature_keys=self.feature_keys
        )
        doc.update(
            export_productops(
                org,
                ts=self.ts,
                emails=self.emails,
                team_slugs=self.team_slugs,
                feature_keys=self.feature_keys,
            )
        )
        return doc

    def targets(self) -> dict[str, Any]:
        stored = self.org.targets if isinstance(self.org.targets, dict) else {}
        known = list(schema()["properties"]["targets"]["properties"])
        ordered = {name: stored[name] for name in known if name in stored}
        ordered.update({name: value for name, value in stored.items() if name not in ordered})
        return ordered

    # -- people and teams

    def people(self) -> list[dict[str, Any]]:
        rows = value_rows(
            Membership.objects.filter(org=self.org)
            .order_by("id")
            .values("id", "role", "user__email", "user__name")
        )
        self.emails: dict[int, str] = {row["id"]: row["user__email"] for row in rows}
        return [
            {
                "email": row["user__email"],
                "name": row["user__name"] or row["user__email"],
                "role": row["role"],
            }
            for row in rows
        ]

    def teams(self) -> list[dict[str, Any]]:
        rows = value_rows(
            Team.objects.filter(org=self.org).order_by("id").values("id", "slug", "name", "topology")
        )
        self.team_slugs: dict[int, str] = {row["id"]: row["slug"] for row in rows}
        members = grouped(
            TeamMember.objects.filter(team__org=self.org)
            .order_by("id")
            .values("team_id", "membership_id", "role"),
            "team_id",
        )
        return [
            {
                "slug": row["slug"],
                "name": row["name"],
                "topology": row["topology"],
                "members": [
                    {"email": self.emails[member["membership_id"]], "role": member["role"]}
                    for member in members.get(row["id"], [])
                ],
            }
            for row in rows
        ]

    def objectives(self) -> list[dict[str, Any]]:
        rows = value_rows(
            Objective.objects.filter(org=self.org).order_by("id").values("id", "key", "title", "quarter")
        )
        teams = grouped(
            Objective.teams.through.objects.filter(objective__org=self.org)
            .order_by("id")
            .values("objective_id", "team_id"),
            "objective_id",
        )
        results = grouped(
            KeyResult.objects.filter(org=self.org)
            .order_by("id")
            .values("id", "objective_id", "key", "title", "kind", "unit", "baseline", "target", "current"),
            "objective_id",
        )
        self.kr_keys: dict[int, str] = {}
        objectives = []
        for row in rows:
            key_results = []
            for kr in results.get(row["id"], []):
                self.kr_keys[kr["id"]] = kr["key"]
                item: dict[str, Any] = {"key": kr["key"], "title": kr["title"], "kind": kr["kind"]}
                put(item, "unit", kr["unit"])
                put(item, "baseline", number(kr["baseline"]))
                item["target"] = number(kr["target"])
                put(item, "current", number(kr["current"]))
                key_results.append(item)
            objectives.append(
                {
                    "key": row["key"],
                    "title": row["title"],
                    "quarter": row["quarter"],
                    "teams": [self.team_slugs[link["team_id"]] for link in teams.get(row["id"], [])],
                    "key_results": key_results,
                }
            )
        return objectives

    # -- features

    def features(self) -> list[dict[str, Any]]:
        org = self.org
        rows = value_rows(
            Feature.objects.filter(org=org)
            .order_by("id")
            .values(
                "id",
                "key",
                "team_id",
                "title",
                "description",
                "kind",
                "status",
                "effort_points",
                "rice_reach",
                "rice_impact",
                "rice_confidence",
                "rice_effort",
                "planned_week",
                "delivered_at",
                "external_provider",
                "external_key",
                "external_url",
            )
        )
        self.feature_keys: dict[int, str] = {row["id"]: row["key"] for row in rows}
        krs = grouped(
            Feature.key_results.through.objects.filter(feature__org=org)
            .order_by("id")
            .values("feature_id", "keyresult_id"),
            "feature_id",
        )
        specs = {
            spec["feature_id"]: spec for spec in value_rows(Spec.objects.filter(feature__org=org).values())
        }
        spec_feature = {spec["id"]: feature_id for feature_id, spec in specs.items()}
        attendance = grouped(
            SessionAttendance.objects.filter(session__spec__feature__org=org)
            .order_by("id")
            .values("session_id", "membership_id"),
            "session_id",
        )
        sessions = grouped(
            (
                {**row, "feature_id": spec_feature[row["spec_id"]]}
                for row in AlignmentSession.objects.filter(spec__feature__org=org)
                .order_by("id")
                .values("id", "spec_id", "held_at", "phase", "outcome", "duration_minutes")
            ),
            "feature_id",
        )
        revisions = grouped(
            (
                {**row, "feature_id": spec_feature[row["spec_id"]]}
                for row in SpecRevision.objects.filter(spec__feature__org=org)
                .exclude(kind=SpecRevision.Kind.FRAMING)  # the format carries revisions after alignment
                .order_by("id")
                .values("spec_id", "at", "by_id", "kind", "fields", "reason")
            ),
            "feature_id",
        )
        reviews = grouped(
            AcceptanceReview.objects.filter(feature__org=org)
            .order_by("id")
            .values("feature_id", "at", "by_id", "outcome", "reason"),
            "feature_id",
        )
        features = []
        for row in rows:
            fid = row["id"]
            item: dict[str, Any] = {
                "key": row["key"],
                "team": self.team_slugs[row["team_id"]],
                "title": row["title"],
            }
            put(item, "description", row["description"])
            item["kind"], item["status"] = row["kind"], row["status"]
            put(item, "effort_points", number(row["effort_points"]))
            if row["rice_reach"] is not None and row["rice_effort"]:
                item["rice"] = {
                    "reach": number(row["rice_reach"]),
                    "impact": number(row["rice_impact"]),
                    "confidence": as_float(row["rice_confidence"]),
                    "effort": number(row["rice_effort"]),
                }
            item["key_results"] = [self.kr_keys[link["keyresult_id"]] for link in krs.get(fid, [])]
            put(item, "planned_week", row["planned_week"])
            put(item, "delivered_at", self.ts(row["delivered_at"]))
            if row["external_key"]:
                external = {"provider": row["external_provider"], "key": row["external_key"]}
                put(external, "url", row["external_url"])
                item["external"] = external
            spec = specs.get(fid)
            put(item, "spec", self.spec(spec) if spec else None)
            item["alignment_sessions"] = [
                self.session(session, attendance) for session in sessions.get(fid, [])
            ]
            item["revisions"] = [self.revision(revision) for revision in revisions.get(fid, [])]
            item["acceptance_reviews"] = [self.review(review) for review in reviews.get(fid, [])]
            features.append(item)
        return features

    @staticmethod
    def spec(row: dict[str, Any]) -> dict[str, Any] | None:
        content = (
            "business_driver_kind",
            "business_driver_description",
            "expected_impact",
            "technical_constraints",
            "success_criteria",
            "user_journey",
            "business_value",
            "options",
            "solution",
            "invest",
        )
        if not any(row[name] for name in content):
            return None  # a blank spec: the feature was never framed
        # A spec started in the app may lack its driver; the format requires one.
        driver: dict[str, Any] = {
            "kind": row["business_driver_kind"] or "other",
            "description": row["business_driver_description"] or "—",
        }
        put(driver, "expected_impact", row["expected_impact"])
        spec: dict[str, Any] = {
            "business_driver": driver,
            "technical_constraints": [
                {"kind": item.get("kind") or "other", "description": item.get("description") or "—"}
                for item in row["technical_constraints"] or []
            ],
            "success_criteria": [
                {
                    "kind": item.get("kind") or "business",
                    "metric": item.get("metric") or "—",
                    "target": item.get("target") or "—",
                }
                for item in row["success_criteria"] or []
            ],
        }
        put(spec, "user_journey", row["user_journey"])
        put(spec, "business_value", row["business_value"])
        spec["options"] = [
            {
                "title": item.get("title") or "—",
                "tradeoffs": item.get("tradeoffs") or "—",
                "chosen": bool(item.get("chosen")),
            }
            for item in row["options"] or []
        ]
        put(spec, "solution", row["solution"])
        invest = row["invest"]
        if isinstance(invest, dict):
            spec["invest"] = {name: bool(invest.get(name)) for name in INVEST_FIELDS}
        return spec

    def session(self, row: dict[str, Any], attendance: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "held_at": self.ts(row["held_at"]),
            "phase": row["phase"],
            "outcome": row["outcome"],
            "attendees": [self.emails[link["membership_id"]] for link in attendance.get(row["id"], [])],
        }
        put(item, "duration_minutes", row["duration_minutes"])
        return item

    def revision(self, row: dict[str, Any]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "at": self.ts(row["at"]),
            "by": self.emails[row["by_id"]],
            "kind": row["kind"],
            "fields": list(row["fields"] or []),
        }
        put(item, "reason", row["reason"])
        return item

    def review(self, row: dict[str, Any]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "at": self.ts(row["at"]),
            "by": self.emails[row["by_id"]],
            "outcome": row["outcome"],
        }
        put(item, "reason", row["reason"])
        return item

    # -- deployments, incidents, glossary

    def deployments(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        org = self.org
        rows = value_rows(
            Deployment.objects.filter(org=org)
            .order_by("id")
            .values("id", "key", "team_id", "environment", "result", "finished_at")
        )
        keys = {row["id"]: row["key"] for row in rows}
        commits = grouped(
            Commit.objects.filter(deployment__org=org)
            .order_by("id")
            .values("deployment_id", "sha", "authored_at"),
            "deployment_id",
        )
        shipped = grouped(
            Deployment.features.through.objects.filter(deployment__org=org)
            .order_by("id")
            .values("deployment_id", "feature_id"),
            "deployment_id",
        )
        deployments = [
            {
                "key": row["key"],
                "team": self.team_slugs[row["team_id"]],
                "environment": row["environment"],
                "result": row["result"],
                "finished_at": self.ts(row["finished_at"]),
                "commits": [
                    {"sha": commit["sha"], "authored_at": self.ts(commit["authored_at"])}
                    for commit in commits.get(row["id"], [])
                ],
                "features": [self.feature_keys[link["feature_id"]] for link in shipped.get(row["id"], [])],
            }
            for row in rows
        ]
        incidents = []
        for row in (
            Incident.objects.filter(org=org)
            .order_by("id")
            .values("key", "team_id", "title", "started_at", "resolved_at", "deployment_id")
        ):
            item: dict[str, Any] = {
                "key": row["key"],
                "team": self.team_slugs[row["team_id"]],
                "title": row["title"],
                "started_at": self.ts(row["started_at"]),
            }
            put(item, "resolved_at", self.ts(row["resolved_at"]))
            put(item, "deployment", keys.get(row["deployment_id"]))
            incidents.append(item)
        return deployments, incidents

    def pull_requests(self) -> list[dict[str, Any]] | None:
        """None (the list left out) when there is none, so documents without pull requests keep
        their shape."""
        pulls = []
        for row in (
            PullRequest.objects.filter(org=self.org)
            .order_by("id")
            .values(
                "team_id",
                "repository",
                "number",
                "title",
                "url",
                "opened_at",
                "merged_at",
                "first_commit_at",
                "merge_commit_sha",
                "deployment__key",
            )
        ):
            item: dict[str, Any] = {
                "team": self.team_slugs[row["team_id"]],
                "repository": row["repository"],
                "number": row["number"],
            }
            put(item, "title", row["title"])
            put(item, "url", row["url"])
            item["opened_at"] = self.ts(row["opened_at"])
            item["merged_at"] = self.ts(row["merged_at"])
            put(item, "first_commit_at", self.ts(row["first_commit_at"]))
            put(item, "merge_commit_sha", row["merge_commit_sha"])
            put(item, "deployment", row["deployment__key"])
            pulls.append(item)
        return pulls or None

    def glossary(self) -> list[dict[str, Any]]:
        terms = []
        for row in (
            GlossaryTerm.objects.filter(org=self.org)
            .order_by("id")
            .values("term", "business_term", "language", "explanation")
        ):
            item: dict[str, Any] = {
                "term": row["term"],
                "business_term": row["business_term"],
                "language": row["language"],
            }
            put(item, "explanation", row["explanation"])
            terms.append(item)
        return terms
