"""An organisation holding one of every record a URL can name, the URL patterns walked from the
resolver, and the rules that fill a pattern's parameters from an organisation's records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from django.utils import timezone

from collab import services as collab_services
from collab.features import glossary, okrs
from collab.models import GlossaryTerm, Invitation, KeyResult, Membership, Objective, Team
from delivery.api.services import token_create
from delivery.models import ApiToken, Deployment, Incident
from integrations.models import Delivery
from integrations.services import connection_create
from metrics.computations import METRICS
from productops.launches import services as launch_services
from productops.models import Experiment, FeedbackItem, Launch
from rituals import models as rituals
from rituals.syncs import services as sync_services
from tests.factories import (
    FeatureFactory,
    MembershipFactory,
    OrganisationFactory,
    SpecFactory,
    TeamFactory,
    TeamMemberFactory,
)
from tests.productops.factories import ExperimentFactory, FeedbackItemFactory
from tests.rituals.factories import (
    ConflictFactory,
    ConflictSessionFactory,
    EscalationFactory,
    ObstacleFactory,
    OneOnOneFactory,
    PostMortemFactory,
    drive_sync,
)
from workspace.models import ImportJob


@dataclass(frozen=True)
class Route:
    route: str  # "features/<str:key>/edit/", or a regex for re_path
    name: str  # "collab:feature_edit"
    params: tuple[str, ...]
    is_regex: bool

    def url(self, values: dict[str, str]) -> str:
        if not self.is_regex:
            return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], self.route)
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], self.route)
        return "/" + path.replace("^", "").replace("$", "").replace("/?", "/")


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> list[Route]:
    routes = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            regex = entry.pattern.regex
            routes.append(
                Route(
                    route=prefix + str(entry.pattern),
                    name=namespace + (entry.name or "?"),
                    params=tuple(regex.groupindex),
                    is_regex=isinstance(entry.pattern, RegexPattern) or "(?P<" in prefix,
                )
            )
    return routes


ROUTES = _walk(get_resolver())
ROUTES_WITH_PARAMS = [r for r in ROUTES if r.params]


@dataclass
class World:
    """One organisation and one of each record its pages can show."""

    org: Any
    member: Membership  # product ops: the broadest rights, so only the organisation can stop them
    team: Team
    feature: Any
    objective: Objective
    key_result: KeyResult
    glossary_term: GlossaryTerm
    invitation: Invitation
    sync: rituals.Sync
    item: rituals.SyncItem
    decision: rituals.Decision
    action: rituals.ActionItem
    template: rituals.RitualTemplate
    schedule: rituals.SyncSchedule
    conflict: rituals.Conflict
    conflict_session: rituals.ConflictSession
    escalation: rituals.Escalation
    obstacle: rituals.Obstacle
    one_on_one: rituals.OneOnOne
    postmortem: rituals.PostMortem
    api_token: ApiToken
    deployment: Deployment
    incident: Incident
    experiment: Experiment
    feedback: FeedbackItem
    launch: Launch
    import_job: ImportJob
    connection: Any
    connection_delivery: Any
    notice_channel: Any = None
    notice_send: Any = None
    tech_win: Any = None
    interview: Any = None

    def records(self) -> list[Any]:
        return [value for value in vars(self).values() if hasattr(value, "_meta")]


def build_world(tag: str) -> World:
    org = OrganisationFactory(slug=f"org-{tag.lower()}", name=f"Org {tag}")
    member = MembershipFactory(org=org, role="product_ops")
    team = TeamFactory(org=org, slug=f"squad-{tag.lower()}")
    TeamMemberFactory(team=team, membership=member, role="product_ops")
    feature = FeatureFactory(team=team, key=f"{tag}-F1")
    SpecFactory(feature=feature)
    objective = okrs.objective_create(org=org, title="Grow", quarter="2026-Q1", teams=[team], key=f"{tag}-O1")
    key_result = okrs.key_result_create(
        objective=objective, title="Conversion", kind="business", target=3.0, key=f"{tag}-KR1"
    )
    sync = drive_sync(org, team, member)
    section = sync.sections.first()
    assert section is not None
    template = sync_services.template_for(org, rituals.Ritual.DRIVE)
    schedule = sync_services.schedule_create(
        org=org, team=team, weekday=1, at=time(10), facilitator=member, ritual=rituals.Ritual.DRIVE
    )
    leader = MembershipFactory(org=org, role="vp_product")
    now = timezone.now()
    connection = connection_create(org=org, provider="github", name=f"{tag} GitHub", team=team)[0]
    deployment = Deployment.objects.create(
        org=org, team=team, key=f"{tag}-D1", environment="production", result="success", finished_at=now
    )
    return World(
        org=org,
        member=member,
        team=team,
        feature=feature,
        objective=objective,
        key_result=key_result,
        glossary_term=glossary.glossary_term_create(
            org=org, term=f"{tag} deploy", business_term="release", language="en"
        ),
        invitation=collab_services.invitation_create(
            org=org, email=f"new-{tag.lower()}@example.test", role="pm", team=team, by=member
        ),
        sync=sync,
        item=sync_services.item_add(sync=sync, section=section, title="Billing risk", author=member),
        decision=sync_services.decision_add(sync=sync, section=section, text="Ship", author=member),
        action=sync_services.action_item_add(sync=sync, section=section, title="Call", owner=member),
        template=template,
        schedule=schedule,
        conflict=(conflict := ConflictFactory(team=team, key=f"{tag}-C1")),
        conflict_session=ConflictSessionFactory(conflict=conflict),
        escalation=EscalationFactory(org=org, key=f"{tag}-E1"),
        obstacle=ObstacleFactory(team=team, key=f"{tag}-OB1"),
        one_on_one=OneOnOneFactory(org=org, leader=leader, pm=MembershipFactory(org=org, role="pm")),
        postmortem=PostMortemFactory(team=team),
        api_token=token_create(org=org, name=f"{tag} CI", by=member)[0],
        deployment=deployment,
        incident=Incident.objects.create(
            org=org, team=team, key=f"{tag}-I1", title="Outage", started_at=now - timedelta(hours=2)
        ),
        experiment=ExperimentFactory(feature=feature, created_by=member),
        feedback=FeedbackItemFactory(logged_by=member),
        launch=launch_services.launch_create(
            org=org,
            by=member,
            feature=feature,
            launch_on=now.date() + timedelta(days=7),
            tier="tier1",
            owners=[member],
        ),
        import_job=ImportJob.objects.create(uploaded_by=member.user, from_org=org, role="product_ops"),
        connection=connection,
        connection_delivery=Delivery.objects.create(
            connection=connection, event="ping", status="recorded", body=b"{}"
        ),
        **_notice_records(org, tag),
        **_leadership_records(org, team, member, tag),
    )


def _leadership_records(org: Any, team: Any, member: Any, tag: str) -> dict[str, Any]:
    from rituals.leadership.models import TechWin, UserInterview

    today = timezone.now().date()
    tech_win = TechWin.objects.create(
        org=org,
        team=team,
        key=f"{tag}-TW1",
        title="Faster checkout",
        metric="conversion",
        before=2.1,
        after=2.4,
        period_start=today - timedelta(days=30),
        period_end=today,
        story="Pages load in half the time.",
        author=member,
    )
    interview = UserInterview.objects.create(
        org=org, team=team, held_on=today, customer=f"{tag} Retail", created_by=member
    )
    return {"tech_win": tech_win, "interview": interview}


def _notice_records(org: Any, tag: str) -> dict[str, Any]:
    from integrations.models_notices import NoticeSend
    from integrations.notices.services import channel_create

    channel = channel_create(
        org=org, provider="slack", name=f"{tag} Slack", url=f"https://hooks.slack.com/services/T/B/{tag}"
    )
    send = NoticeSend.objects.create(channel=channel, notice="test", status="failed", payload={"text": tag})
    return {"notice_channel": channel, "notice_send": send}


# (route prefix, parameter) → the record's value in a world. The longest matching prefix wins, so
# a new view under an existing prefix (rituals/syncs/<int:pk>/anything/) is covered on its own.
FILL_RULES: dict[tuple[str, str], Any] = {
    ("settings/people/", "pk"): lambda w: w.member.pk,
    ("invitations/", "pk"): lambda w: w.invitation.pk,
    ("teams/", "slug"): lambda w: w.team.slug,
    ("features/", "key"): lambda w: w.feature.key,
    ("okrs/", "key"): lambda w: w.objective.key,
    ("okrs/key-results/", "key"): lambda w: w.key_result.key,
    ("settings/glossary/", "pk"): lambda w: w.glossary_term.pk,
    ("rituals/syncs/", "pk"): lambda w: w.sync.pk,
    ("rituals/syncs/", "item_pk"): lambda w: w.item.pk,
    ("rituals/syncs/", "decision_pk"): lambda w: w.decision.pk,
    ("rituals/syncs/", "action_pk"): lambda w: w.action.pk,
    ("rituals/templates/", "pk"): lambda w: w.template.pk,
    ("rituals/schedules/", "pk"): lambda w: w.schedule.pk,
    ("conflicts/", "pk"): lambda w: w.conflict.pk,
    ("conflicts/", "step"): lambda w: "identify",
    ("conflicts/", "session_id"): lambda w: w.conflict_session.pk,
    ("escalations/", "pk"): lambda w: w.escalation.pk,
    ("obstacles/", "pk"): lambda w: w.obstacle.pk,
    ("one-on-ones/", "pk"): lambda w: w.one_on_one.pk,
    ("one-on-ones/pair/", "leader_id"): lambda w: w.one_on_one.leader_id,
    ("one-on-ones/pair/", "pm_id"): lambda w: w.one_on_one.pm_id,
    ("postmortems/", "pk"): lambda w: w.postmortem.pk,
    ("dashboards/teams/", "slug"): lambda w: w.team.slug,
    ("settings/api-tokens/", "pk"): lambda w: w.api_token.pk,
    ("experiments/", "pk"): lambda w: w.experiment.pk,
    ("feedback/", "pk"): lambda w: w.feedback.pk,
    ("feedback/features/", "key"): lambda w: w.feature.key,
    ("feedback/forms/", "slug"): lambda w: w.team.slug,
    ("feedback/most-requested/", "slug"): lambda w: w.team.slug,
    ("launches/", "pk"): lambda w: w.launch.pk,
    ("settings/workspace/import/", "job_id"): lambda w: w.import_job.pk,
    ("settings/connections/", "pk"): lambda w: w.connection.pk,
    ("settings/connections/", "delivery_pk"): lambda w: w.connection_delivery.pk,
    ("settings/notices/", "pk"): lambda w: w.notice_channel.pk,
    ("settings/notices/", "send_pk"): lambda w: w.notice_send.pk,
    ("rituals/tech-wins/", "pk"): lambda w: w.tech_win.pk,
    ("rituals/interviews/", "pk"): lambda w: w.interview.pk,
}

# Parameters that name no organisation's record: the same value for everyone, answered from the
# caller's own organisation (a metric's name, the kind of a CSV example).
CONSTANT_PARAMS: dict[tuple[str, str], str] = {
    ("dashboards/records/", "metric"): next(iter(METRICS)),
    ("settings/imports/csv/", "kind"): "deployments",
}

# Patterns that are not scoped by the signed-in person's organisation, and why.
NOT_ORG_SCOPED: dict[str, str] = {
    "admin/": "Django's admin: staff only, its own permissions, no organisation in the session",
    "accounts/reset/": "Django's password reset: the signed uid and token are the credential",
    "invitations/accept/": "the invitation's secret token is the credential, whoever holds it",
    "rituals/feeds/": "the calendar feed's secret token is the credential (a public .ics address)",
    "hooks/": "outside products' webhooks: the connection id and the signature are the credential (tests/integrations)",
    "feedback/form/": "a team's public feedback form: its secret link is the credential, no sign-in",
    "^api/": "the JSON API: the bearer token names the organisation (tests/metrics/test_api_*)",
    "accounts/sso/": "signing in with SSO: anyone starts at their organisation's provider by its short name; the provider authenticates (tests/workspace/test_sso_live.py)",
}


def _rule(table: dict[tuple[str, str], Any], route: Route, param: str) -> Any:
    matches = [prefix for prefix, name in table if name == param and route.route.startswith(prefix)]
    return table[(max(matches, key=len), param)] if matches else None


def not_org_scoped(route: Route) -> bool:
    return route.route.startswith(tuple(NOT_ORG_SCOPED))


def unfillable(route: Route) -> list[str]:
    return [
        p
        for p in route.params
        if _rule(FILL_RULES, route, p) is None and _rule(CONSTANT_PARAMS, route, p) is None
    ]


def names_a_record(route: Route) -> bool:
    return any(_rule(FILL_RULES, route, p) is not None for p in route.params)


def fill(route: Route, world: World | None, **raw: str) -> str:
    """The route's URL with its parameters taken from the world's records; `raw` values (already
    percent-encoded) replace some; a parameter no rule knows (a token) gets "1"."""
    values = {}
    for param in route.params:
        rule = _rule(FILL_RULES, route, param) if world is not None else None
        values[param] = str(rule(world)) if rule is not None else _rule(CONSTANT_PARAMS, route, param) or "1"
    return route.url(values | raw)


@pytest.fixture
def world_a(db: Any) -> World:
    return build_world("A")


@pytest.fixture
def world_b(db: Any) -> World:
    return build_world("B")


@pytest.fixture
def client_of() -> Any:
    """client_of(membership) → a client signed in as that person, whose 500s are answers."""

    def make(membership: Membership) -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session["active_org_id"] = membership.org_id
        session.save()
        return client

    return make
