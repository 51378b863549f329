"""Load a ``collab-workspace/1`` document into a new organisation: everything or nothing.

``import_workspace`` validates the whole document first (JSON Schema, the semantic rules, then what
the database would refuse), and only when there is no error at all writes it, in one transaction,
list by list with ``bulk_create`` (no per-row signals, a fixed number of queries per list). A
metric refresh of the organisation is asked for after the commit when the metrics app offers one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from collab.audit import audit_record
from collab.models import (
    AcceptanceReview,
    AlignmentSession,
    Feature,
    GlossaryTerm,
    Invitation,
    KeyResult,
    Membership,
    Objective,
    Organisation,
    SessionAttendance,
    Spec,
    SpecRevision,
    Team,
    TeamMember,
    User,
)
from collab.services import invitation_create, invitation_stand_in_create
from collab.signals import records_changed_later
from delivery.models import Commit, Deployment, Incident, PullRequest
from workspace.bulk import BATCH_SIZE, bulk, copy_rows
from workspace.checks import database_errors, document_order
from workspace.common import as_float, parse_optional_timestamp, parse_timestamp
from workspace.leadership_loader import load_leadership
from workspace.productops_loader import load_productops
from workspace.rituals_loader import load_rituals
from workspace.validation import WorkspaceError, validate_workspace

__all__ = ["WorkspaceImportError", "check_workspace", "import_workspace", "invited_count"]


class WorkspaceImportError(Exception):
    """The document was refused; nothing was written. ``errors`` name every problem by JSON path."""

    def __init__(self, errors: list[WorkspaceError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def check_workspace(doc: object) -> list[WorkspaceError]:
    """Every reason ``import_workspace`` would refuse ``doc``: [] when it would load. Writes nothing."""
    errors = validate_workspace(doc)
    seen = {(error.path, error.message) for error in errors}
    for error in database_errors(doc):
        if (error.path, error.message) not in seen:
            seen.add((error.path, error.message))
            errors.append(error)
    # Top to bottom, as one reads the document (sorted() is stable: ties keep their order).
    return sorted(errors, key=lambda error: document_order(doc, error.path))


def import_workspace(
    doc: dict[str, Any],
    *,
    uploader: User | None = None,
    progress: Callable[[str], None] | None = None,
) -> Organisation:
    """Create the document's organisation with all its records, or raise ``WorkspaceImportError``.

    Never attaches an account that exists already (except ``uploader``'s, who asked for it): such a
    person gets an invitation, and a stand-in holds their records until they accept
    (``invited_count`` tells how many). ``progress`` is told "validation", then "loading"."""
    if progress is not None:
        progress("validation")
    errors = check_workspace(doc)
    if errors:
        raise WorkspaceImportError(errors)
    if progress is not None:
        progress("loading")
    try:
        with transaction.atomic():
            org = _Loader(doc, uploader=uploader).load()
            audit_record(
                org=org, actor=None, action="workspace_imported", target=uploader.email if uploader else ""
            )
            records_changed_later(sender=Organisation, org_id=org.id)
    except IntegrityError as exc:
        # Another import took the slug between the check and the insert.
        slug = doc["organisation"]["slug"]
        if Organisation.objects.filter(slug=slug).exists():
            raise WorkspaceImportError(
                [WorkspaceError("organisation.slug", f'organisation "{slug}" already exists')]
            ) from exc
        raise
    return org


def invited_count(org: Organisation) -> int:
    """How many people an import invited rather than added (they already had an account)."""
    return Invitation.objects.filter(org=org).count()


class _Loader:
    """Writes one validated document. Lookups by key/slug/email are dicts built from the rows just
    created, so no list costs a query per row."""

    def __init__(self, doc: dict[str, Any], *, uploader: User | None = None) -> None:
        self.doc = doc
        self.uploader = uploader

    def load(self) -> Organisation:
        self.load_organisation()
        self.load_people()
        self.load_teams()
        self.load_objectives()
        self.load_features()
        self.syncs, self.conflicts = load_rituals(
            self.doc, org=self.org, people=self.people, teams=self.teams, features=self.features
        )
        self.load_deployments()
        load_leadership(
            self.doc,
            org=self.org,
            people=self.people,
            teams=self.teams,
            features=self.features,
            syncs=self.syncs,
        )
        self.load_glossary()
        load_productops(self.doc, org=self.org, people=self.people, teams=self.teams, features=self.features)
        return self.org

    # -- organisation, people, teams

    def load_organisation(self) -> None:
        data = self.doc["organisation"]
        org = Organisation(
            slug=data["slug"],
            name=data["name"],
            time_zone=data["time_zone"],
            language=data["language"],
            targets=self.doc.get("targets") or {},
        )
        # bulk_create: no post_save signal (nothing else is created behind the document's back).
        Organisation.objects.bulk_create([org])
        self.org = org

    def load_people(self) -> None:
        people = self.doc["people"]
        by_email = {person["email"].strip().lower(): person for person in people}
        existing = {
            user.email.lower(): user
            for user in User.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in=list(by_email)
            )
        }
        # Only accounts this import creates are attached (and the uploader's own, who asked for it).
        # Someone who already has an account is invited: their records hang on a stand-in named as
        # the document names them until they accept; their account and its name stay untouched.
        users = {
            email: user
            for email, user in existing.items()
            if self.uploader is not None and user.pk == self.uploader.pk
        }
        passwords = {email: make_password(None) for email in by_email if email not in existing}
        if passwords:
            # ignore_conflicts: someone created the same account meanwhile; it is read back below,
            # told apart from ours by its password (each unusable one is random), and invited.
            User.objects.bulk_create(
                [
                    User(email=email, name=by_email[email]["name"], password=pw)
                    for email, pw in passwords.items()
                ],
                batch_size=BATCH_SIZE,
                ignore_conflicts=True,
            )
            fresh = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=list(passwords))
            users.update(
                {user.email.lower(): user for user in fresh if user.password == passwords[user.email.lower()]}
            )
        memberships = [
            Membership(org=self.org, user=users[email], role=person["role"])
            for email, person in by_email.items()
            if email in users
        ]
        bulk(Membership, memberships)
        self.people: dict[str, Membership] = {m.user.email.lower(): m for m in memberships}
        for email, person in by_email.items():
            if email not in users:
                invitation = invitation_create(
                    org=self.org, email=email, role=person["role"], team=None, by=None
                )
                self.people[email] = invitation_stand_in_create(invitation=invitation, name=person["name"])

    def person(self, email: str | None) -> Membership | None:
        return None if email is None else self.people[email.strip().lower()]

    def load_teams(self) -> None:
        teams = [
            Team(org=self.org, slug=data["slug"], name=data["name"], topology=data["topology"])
            for data in self.doc["teams"]
        ]
        bulk(Team, teams)
        self.teams: dict[str, Team] = {team.slug: team for team in teams}
        bulk(
            TeamMember,
            [
                TeamMember(team=team, membership=self.person(member["email"]), role=member["role"])
                for team, data in zip(teams, self.doc["teams"], strict=True)
                for member in data["members"]
            ],
        )

    def load_objectives(self) -> None:
        objectives = [
            Objective(org=self.org, key=data["key"], title=data["title"], quarter=data["quarter"])
            for data in self.doc["objectives"]
        ]
        bulk(Objective, objectives)
        pairs = list(zip(objectives, self.doc["objectives"], strict=True))
        bulk(
            Objective.teams.through,
            [
                Objective.teams.through(objective=objective, team=self.teams[slug])
                for objective, data in pairs
                for slug in data["teams"]
            ],
        )
        results = [
            KeyResult(
                org=self.org,
                objective=objective,
                key=kr["key"],
                title=kr["title"],
                kind=kr["kind"],
                unit=kr.get("unit") or "",
                baseline=as_float(kr.get("baseline")),
                target=float(kr["target"]),
                current=as_float(kr.get("current")),
            )
            for objective, data in pairs
            for kr in data["key_results"]
        ]
        bulk(KeyResult, results)
        self.key_results: dict[str, KeyResult] = {kr.key: kr for kr in results}

    # -- features and their specs

    def load_features(self) -> None:
        docs = self.doc["features"]
        features = [self.feature(data) for data in docs]
        bulk(Feature, features)
        self.features: dict[str, Feature] = {feature.key: feature for feature in features}
        bulk(
            Feature.key_results.through,
            [
                Feature.key_results.through(feature=feature, keyresult=self.key_results[key])
                for feature, data in zip(features, docs, strict=True)
                for key in data["key_results"]
            ],
        )
        # Every feature gets its spec row (blank when the document has none), as the app expects;
        # alignment sessions and revisions hang on it.
        specs = [self.spec(feature, data.get("spec")) for feature, data in zip(features, docs, strict=True)]
        bulk(Spec, specs)
        self.load_sessions(specs, docs)
        bulk(
            SpecRevision,
            [
                SpecRevision(
                    spec=spec,
                    at=parse_timestamp(revision["at"]),
                    by=self.person(revision["by"]),
                    kind=revision["kind"],
                    fields=list(revision["fields"]),
                    reason=revision.get("reason") or "",
                )
                for spec, data in zip(specs, docs, strict=True)
                for revision in data["revisions"]
            ],
        )
        bulk(
            AcceptanceReview,
            [
                AcceptanceReview(
                    feature=feature,
                    at=parse_timestamp(review["at"]),
                    by=self.person(review["by"]),
                    outcome=review["outcome"],
                    reason=review.get("reason") or "",
                )
                for feature, data in zip(features, docs, strict=True)
                for review in data["acceptance_reviews"]
            ],
        )

    def feature(self, data: dict[str, Any]) -> Feature:
        rice = data.get("rice") or {}
        feature = Feature(
            org=self.org,
            team=self.teams[data["team"]],
            key=data["key"],
            title=data["title"],
            description=data.get("description") or "",
            kind=data["kind"],
            status=data["status"],
            effort_points=as_float(data.get("effort_points")),
            rice_reach=as_float(rice.get("reach")),
            rice_impact=as_float(rice.get("impact")),
            rice_confidence=as_float(rice.get("confidence")),
            rice_effort=as_float(rice.get("effort")),
            planned_week=data.get("planned_week") or "",
            delivered_at=parse_optional_timestamp(data.get("delivered_at")),
        )
        external = data.get("external")
        if isinstance(external, dict):
            feature.external_provider = external["provider"]
            feature.external_key = external["key"]
            feature.external_url = external.get("url") or ""
        feature.rice_score = feature.compute_rice()
        return feature

    @staticmethod
    def spec(feature: Feature, data: dict[str, Any] | None) -> Spec:
        if data is None:
            return Spec(feature=feature)
        driver = data["business_driver"]
        return Spec(
            feature=feature,
            business_driver_kind=driver["kind"],
            business_driver_description=driver["description"],
            expected_impact=driver.get("expected_impact") or "",
            technical_constraints=[dict(item) for item in data["technical_constraints"]],
            success_criteria=[dict(item) for item in data["success_criteria"]],
            user_journey=data.get("user_journey") or "",
            business_value=data.get("business_value") or "",
            options=[dict(item) for item in data["options"]],
            solution=data.get("solution") or "",
            invest=dict(data["invest"]) if data.get("invest") is not None else None,
        )

    def load_sessions(self, specs: list[Spec], docs: list[dict[str, Any]]) -> None:
        sessions: list[tuple[AlignmentSession, list[str]]] = []
        for spec, data in zip(specs, docs, strict=True):
            for item in data["alignment_sessions"]:
                session = AlignmentSession(
                    spec=spec,
                    held_at=parse_timestamp(item["held_at"]),
                    phase=item["phase"],
                    outcome=item["outcome"],
                    duration_minutes=item.get("duration_minutes"),
                )
                sessions.append((session, item["attendees"]))
        bulk(AlignmentSession, [session for session, _ in sessions])
        bulk(
            SessionAttendance,
            [
                SessionAttendance(session=session, membership=self.person(email))
                for session, attendees in sessions
                for email in attendees
            ],
        )
        # A spec is aligned at its first session (by time) whose outcome is aligned.
        aligned: dict[int, AlignmentSession] = {}
        for session, _ in sessions:
            if session.outcome != AlignmentSession.Outcome.ALIGNED:
                continue
            current = aligned.get(session.spec_id)
            if current is None or session.held_at < current.held_at:
                aligned[session.spec_id] = session
        updated = []
        for spec in specs:
            first = aligned.get(spec.id)
            if first is not None:
                spec.aligned_session, spec.aligned_at = first, first.held_at
                updated.append(spec)
        if updated:
            Spec.objects.bulk_update(updated, ["aligned_session", "aligned_at"], batch_size=BATCH_SIZE)

    # -- deployments, incidents, glossary

    def load_deployments(self) -> None:
        # The DORA lists are the big ones (a busy organisation has 100,000s of deployments and
        # commits): COPY them, then read the new ids back in one query.
        docs = self.doc["deployments"]
        now = timezone.now()
        copy_rows(
            Deployment,
            ["org_id", "team_id", "key", "environment", "result", "finished_at", "source", "created_at"],
            (
                (
                    self.org.id,
                    self.teams[data["team"]].id,
                    data["key"],
                    data["environment"],
                    data["result"],
                    parse_timestamp(data["finished_at"]),
                    "import",
                    now,
                )
                for data in docs
            ),
        )
        ids = dict(Deployment.objects.filter(org=self.org).values_list("key", "id"))
        copy_rows(
            Commit,
            ["deployment_id", "sha", "authored_at"],
            (
                (ids[data["key"]], commit["sha"], parse_timestamp(commit["authored_at"]))
                for data in docs
                for commit in data["commits"]
            ),
        )
        copy_rows(
            Deployment.features.through,
            ["deployment_id", "feature_id"],
            ((ids[data["key"]], self.features[key].id) for data in docs for key in data["features"]),
        )
        bulk(
            Incident,
            [
                Incident(
                    org=self.org,
                    team=self.teams[data["team"]],
                    key=data["key"],
                    title=data["title"],
                    started_at=parse_timestamp(data["started_at"]),
                    resolved_at=parse_optional_timestamp(data.get("resolved_at")),
                    deployment_id=ids[data["deployment"]] if data.get("deployment") else None,
                    source="import",
                )
                for data in self.doc["incidents"]
            ],
        )
        bulk(
            PullRequest,
            [
                PullRequest(
                    org=self.org,
                    team=self.teams[data["team"]],
                    repository=data["repository"],
                    number=data["number"],
                    title=data.get("title") or "",
                    url=data.get("url") or "",
                    opened_at=parse_timestamp(data["opened_at"]),
                    merged_at=parse_timestamp(data["merged_at"]),
                    first_commit_at=parse_optional_timestamp(data.get("first_commit_at")),
                    merge_commit_sha=data.get("merge_commit_sha") or "",
                    deployment_id=ids[data["deployment"]] if data.get("deployment") else None,
                    source="import",
                )
                for data in self.doc.get("pull_requests") or []
            ],
        )

    def load_glossary(self) -> None:
        bulk(
            GlossaryTerm,
            [
                GlossaryTerm(
                    org=self.org,
                    term=data["term"],
                    business_term=data["business_term"],
                    language=data["language"],
                    explanation=data.get("explanation") or "",
                )
                for data in self.doc["glossary"]
            ],
        )
