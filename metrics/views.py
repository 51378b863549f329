"""Dashboards: thin views over snapshots (never the raw tables). Every page takes the same filters —
team, window kind, end week — from the query string, so each works without JavaScript; htmx swaps
`#partial` when a filter changes. The records behind a number, the CSV export, the targets and
"Recompute now" are in metrics/views_records.py.

A page's `#partial` (the numbers, tables and figures) is cached in Redis under a key naming
everything it shows: the organisation's latest recompute, the filters, the language, the targets
and the teams. A recompute changes the key, so a cached page is never older than the snapshots;
with Redis down, pages are rendered every time.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from collab.models import Team
from metrics import dashboards, selectors, services
from metrics.computations import DORA_METRICS, METRICS, targets_for_team, team_overrides
from metrics.forms import DashboardFilterForm
from metrics.lead_time_split import lead_time_split
from metrics.models import MetricSnapshot
from metrics.open_escalations import open_escalations
from metrics.texts import (
    BANDS,
    DORA_BAND_RULES,
    GROUPS,
    KINDS,
    LEVELS,
    METRIC_TEXTS,
    WINDOW_LABELS,
    WINDOW_SPANS,
    format_value,
    target_text,
)

logger = logging.getLogger(__name__)

DEFAULT_WINDOW = MetricSnapshot.WindowKind.WEEKS_4
COLLABORATION = ("time_to_alignment", "rework_rate", "first_time_acceptance", "conflict_one_session_rate")
# page → (its metrics, URL name, template); the overview shows every metric.
PAGES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "overview": (METRICS, "metrics:overview", "metrics/overview.html"),
    "health": (COLLABORATION, "metrics:health", "metrics/health.html"),
    "dora": (DORA_METRICS, "metrics:dora", "metrics/dora.html"),
    "investment": (("investment_balance", "velocity"), "metrics:investment", "metrics/investment.html"),
    "escalations": (("escalations",), "metrics:escalations", "metrics/escalations.html"),
}
CACHE_SECONDS = 24 * 3600


def need_org(request: HttpRequest) -> Any:
    org = getattr(request, "org", None)
    if org is None:
        raise Http404(_("You are not in an organisation yet."))
    return org


def dashboard_scope(
    request: HttpRequest, *, org: Any, teams: list[Team], team_slug: str | None = None
) -> tuple[dashboards.Scope, list[str], bool]:
    """The page's filters, the end weeks one can choose (newest first), and whether any snapshot
    exists. An unknown team is a 404 (another organisation's team is unknown here); any other
    unreadable filter falls back to its default."""
    form = DashboardFilterForm(request.GET or None)
    slug = team_slug or form.value("team", "")
    team = None
    if slug:
        team = next((t for t in teams if t.slug == slug), None)
        if team is None:
            raise Http404(_("No such team in this organisation."))
    kind = form.value("window", DEFAULT_WINDOW)
    now = services.current_week(org)
    history = selectors.history_range(org=org, kind=kind, teams=teams)
    first, last = history if history else (now, now)
    last = max(last, now)
    count = services.week_index(last) - services.week_index(first) + 1
    weeks = [services.shift_week(last, -i) for i in range(count)]
    end = form.value("to", last)
    if end not in weeks:
        end = last
    metric = form.value("metric", "velocity")
    return dashboards.Scope(team=team, kind=kind, end=end, metric=metric), weeks, history is not None


def base_context(
    *, page: str, org: Any, scope: dashboards.Scope, teams: list[Team], weeks: list[str], has_data: bool
) -> dict[str, Any]:
    context = _base_context(page=page, org=org, scope=scope, teams=teams, weeks=weeks, has_data=has_data)
    if page == "escalations":  # live, not snapshots: how long each undecided one has waited
        context["open_escalations"] = open_escalations(org=org, team=scope.team)
    return context


def _base_context(
    *, page: str, org: Any, scope: dashboards.Scope, teams: list[Team], weeks: list[str], has_data: bool
) -> dict[str, Any]:
    return {
        "page": page,
        "scope": scope,
        "teams": teams,
        "weeks": weeks,
        "windows": list(WINDOW_LABELS.items()),
        "window_label": WINDOW_LABELS[scope.kind],
        "window_span": WINDOW_SPANS[scope.kind],
        "first_week": services.shift_week(scope.end, -(services.WINDOW_KINDS[scope.kind] - 1)),
        "current_week": services.current_week(org),
        "has_data": has_data,
        "freshness": selectors.freshness(org=org),
        # A team's page reads the team's own targets where it has them.
        "targets": targets_for_team(
            services.org_targets(org), org.targets, scope.team.slug if scope.team else None
        ),
        "tabs": _tabs(scope),
        "action_url": reverse(PAGES[page][1]) if page in PAGES else reverse("metrics:overview"),
        # The selects' options, built once (three years of weeks make a long list to loop over).
        "team_options": _options([(t.slug, t.name) for t in teams], scope.team.slug if scope.team else ""),
        "window_options": _options(list(WINDOW_LABELS.items()), scope.kind),
        "week_options": _options(
            [(w, f"{w} ({_('this week')})" if w == services.current_week(org) else w) for w in weeks],
            scope.end,
        ),
        "metric_options": _options([(m, METRIC_TEXTS[m]["label"]) for m in METRICS], scope.metric),
    }


def _options(choices: list[tuple[str, Any]], selected: str) -> str:
    """The <option>s of a select (three years of weeks make a long list: one escape per text)."""
    return mark_safe(  # noqa: S308 (every text escaped)
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == selected else ""}>{escape(label)}</option>'
            for value, label in choices
        )
    )


def _tabs(scope: dashboards.Scope) -> list[tuple[str, str, str]]:
    query = scope.query()
    overview = (
        f"{reverse('metrics:team', args=[scope.team.slug])}?{scope.query(team='')}"
        if scope.team
        else f"{reverse('metrics:overview')}?{query}"
    )
    return [
        ("overview", _("Overview"), overview),
        ("health", _("Collaboration health"), f"{reverse('metrics:health')}?{query}"),
        ("dora", _("DORA"), f"{reverse('metrics:dora')}?{query}"),
        ("investment", _("Investment"), f"{reverse('metrics:investment')}?{query}"),
        ("escalations", _("Escalations"), f"{reverse('metrics:escalations')}?{query}"),
    ]


def _points(
    org: Any, scope: dashboards.Scope, weeks: list[str], *, metrics: tuple[str, ...]
) -> list[selectors.Point]:
    """One query: the scope's (and the organisation's) trends; for the organisation, every team's
    value at the end week and every team's trend of the focus metric. Each part its own branch of
    a UNION (an OR of them would have PostgreSQL read every snapshot of the window kind)."""
    chosen = Q(metric__in=metrics)
    parts = [(Q(team__isnull=True) & chosen, weeks)]
    if scope.team:
        parts.append((Q(team=scope.team) & chosen, weeks))
    else:
        parts.append((chosen, [scope.end]))  # every team's value at the end week
        if scope.metric in metrics:
            parts.append((Q(metric=scope.metric), weeks))  # every team's trend of the focus metric
    return selectors.snapshot_points_any(org=org, kind=scope.kind, parts=parts)


# --- what each page shows ------------------------------------------------------------------------


STAGE_LABELS = {
    "coding": (_lazy("Coding"), _lazy("first commit → pull request opened")),
    "review": (_lazy("Review"), _lazy("opened → merged")),
    "deploy": (_lazy("Deploy"), _lazy("merged → in production")),
}


def _lead_time_stages(org: Any, scope: dashboards.Scope, first_week: str) -> list[dict[str, Any]] | None:
    """Lead time split into coding, review and deploy medians over the window (None: no pull request
    merged in it)."""
    stages = lead_time_split(
        org=org, team_id=scope.team.pk if scope.team else None, first_week=first_week, last_week=scope.end
    )
    if stages is None:
        return None
    return [
        {
            "label": STAGE_LABELS[stage.key][0],
            "span": STAGE_LABELS[stage.key][1],
            "value": format_value("lead_time_for_changes", stage.hours) if stage.hours is not None else None,
            "count": stage.count,
        }
        for stage in stages
    ]


def _fill(context: dict[str, Any], *, org: Any, page: str) -> None:
    """The numbers, tables and figures of the page's `#partial` (one query)."""
    scope: dashboards.Scope = context["scope"]
    teams: list[Team] = context["teams"]
    metrics = PAGES[page][0]
    targets = context["targets"]
    trend = selectors.trend_weeks(scope.end)
    points = _points(org, scope, trend, metrics=metrics)
    found = dashboards.series(points, trend)
    at_end = {(p.team_id, p.metric): p for p in points if p.end == scope.end}
    team_id = scope.team.pk if scope.team else None
    cards = dashboards.cards(
        metrics,
        scope=scope,
        found=found,
        weeks=trend,
        targets=targets,
        team_id=team_id,
        compare_org=scope.team is not None,
        with_figures=page == "overview",
    )
    if page != "overview":  # larger trends: the team against the organisation
        lines: list[tuple[str, int | None]] = [(scope.team.name, scope.team.pk)] if scope.team else []
        lines.append((_("Organisation"), None))
        for card in cards:
            card.figure = dashboards.trend_figure(
                card.metric, lines=lines, found=found, weeks=trend, targets=targets
            )
    figures = [(card.figure_id, card.figure) for card in cards if card.figure]
    context |= {
        "cards": cards,
        "table_metrics": [(m, METRIC_TEXTS[m]["label"]) for m in metrics],
        "team_rows": (
            dashboards.team_table(
                metrics,
                teams=teams,
                at_end=at_end,
                targets=targets,
                scope=scope,
                own=_own_targets(org, teams),
            )
            if scope.team is None
            else []
        ),
    }
    if page == "dora":
        context["lead_time_stages"] = _lead_time_stages(org, scope, context["first_week"])
    if page == "overview":
        by_metric = {card.metric: card for card in cards}
        context["groups"] = [(key, title, [by_metric[m] for m in group]) for key, title, group in GROUPS]
        context["focus_label"] = METRIC_TEXTS[scope.metric]["label"]
        if scope.team is None:
            multiples = dashboards.small_multiples(
                scope.metric, teams=teams, found=found, weeks=trend, targets=targets
            )
            context["multiples"] = multiples
            if multiples:
                figures.append(("fig-multiples", multiples))
    elif page == "dora":
        context["band_rules"] = [(METRIC_TEXTS[m]["label"], rules) for m, rules in DORA_BAND_RULES.items()]
        context["bands"] = list(BANDS.items())
    elif page == "investment":
        context["stacked"] = dashboards.investment_figure(
            found.get((team_id, "investment_balance"), []), trend
        )
        context["kinds"] = list(KINDS.items())
        if context["stacked"]:
            figures.append(("fig-investment-stacked", context["stacked"]))
    elif page == "escalations":
        context["stacked"] = dashboards.escalations_figure(found.get((team_id, "escalations"), []), trend)
        context["levels"] = list(LEVELS.items())
        if context["stacked"]:
            figures.append(("fig-escalations-stacked", context["stacked"]))
    context["figures"] = figures
    context["figure_payloads"] = [
        (figure_id, json.dumps(figure, separators=(",", ":"), allow_nan=False))
        for figure_id, figure in figures
    ]


def _own_targets(org: Any, teams: list[Team]) -> dict[int, Any]:
    """The targets of the teams that have their own (team id → targets)."""
    org_overrides = services.org_targets(org)
    return {
        team.pk: targets_for_team(org_overrides, org.targets, team.slug)
        for team in teams
        if team_overrides(org.targets, team.slug)
    }


def _cache_key(context: dict[str, Any], *, org: Any, page: str) -> str | None:
    freshness: selectors.Freshness = context["freshness"]
    if freshness.queue_down:
        return None
    scope: dashboards.Scope = context["scope"]
    parts = [
        org.pk,
        page,
        scope.team.slug if scope.team else "",
        scope.kind,
        scope.end,
        scope.metric,
        get_language(),
        freshness.version,
        context["current_week"],
        json.dumps(services.org_targets(org), sort_keys=True),
        json.dumps(org.targets.get("teams") if isinstance(org.targets, dict) else None, sort_keys=True),
        [(team.pk, team.slug, team.name) for team in context["teams"]],
        context["open_escalations"].fingerprint() if "open_escalations" in context else "",
    ]
    digest = hashlib.blake2b(json.dumps(parts, default=str).encode(), digest_size=16).hexdigest()
    return f"metrics:page:{org.pk}:{digest}"


def _cached(key: str | None, render_partial: Callable[[], str]) -> str:
    if key is None:
        return render_partial()
    try:
        html = cache.get(key)
    except services.QUEUE_ERRORS as exc:
        logger.warning("metrics dashboards: cache unreachable: %s", exc)
        return render_partial()
    if html is None:
        html = render_partial()
        try:
            cache.set(key, html, timeout=CACHE_SECONDS)
        except services.QUEUE_ERRORS as exc:
            logger.warning("metrics dashboards: cache unreachable: %s", exc)
    return html


def _dashboard(request: HttpRequest, page: str, *, team_slug: str | None = None) -> HttpResponse:
    org = need_org(request)
    teams = selectors.team_list(org=org)
    scope, weeks, has_data = dashboard_scope(request, org=org, teams=teams, team_slug=team_slug)
    context = base_context(page=page, org=org, scope=scope, teams=teams, weeks=weeks, has_data=has_data)
    template = PAGES[page][2]

    def render_partial() -> str:
        _fill(context, org=org, page=page)
        return render_to_string(f"{template}#partial", context, request)

    partial = _cached(_cache_key(context, org=org, page=page), render_partial)
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return HttpResponse(partial)  # the swapped #partial
    # The partial is this page's own render (now or from the cache): markup, not text.
    return render(request, template, context | {"partial_html": mark_safe(partial)})  # noqa: S308


@login_required
@require_GET
@vary_on_headers("HX-Request")
def overview(request: HttpRequest) -> HttpResponse:
    """Every metric with value against target, light and 13-week trend; per-team small multiples
    and a table of every team for the organisation."""
    return _dashboard(request, "overview")


@login_required
@require_GET
@vary_on_headers("HX-Request")
def team(request: HttpRequest, slug: str) -> HttpResponse:
    """The overview of one team, with the organisation's value beside each of its numbers."""
    return _dashboard(request, "overview", team_slug=slug)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def health(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "health")


@login_required
@require_GET
@vary_on_headers("HX-Request")
def dora(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "dora")


@login_required
@require_GET
@vary_on_headers("HX-Request")
def investment(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "investment")


@login_required
@require_GET
@vary_on_headers("HX-Request")
def escalations(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "escalations")


def velocity_rows(summary: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Velocity and predictability from metrics.selectors.team_velocity_summary: each metric is a
    number or a result {value, previous, trend}; a metric without a value is left out (the panel
    then says "no data yet")."""
    if not summary:
        return []
    rows = []
    for key in ("velocity", "predictability"):
        result = summary.get(key)
        if not isinstance(result, dict):
            result = {"value": result}
        value = result.get("value")
        if isinstance(value, int | float):
            previous = result.get("previous")
            rows.append(
                {
                    "key": key,
                    "value": value,
                    "previous": previous if isinstance(previous, int | float) else None,
                    "trend": result.get("trend"),
                    "window": (summary.get("from"), summary.get("to")),
                }
            )
    return rows


@login_required
@require_GET
def velocity_panel(request: HttpRequest, slug: str) -> HttpResponse:
    """The Velocity section of a team's sync, included by URL from the sync pages (rituals sits below
    metrics and never imports it)."""
    org = need_org(request)
    team = get_object_or_404(Team.objects.filter(org=org), slug=slug)
    rows = velocity_rows(selectors.team_velocity_summary(team))
    target = target_text(
        "predictability", targets_for_team(services.org_targets(org), org.targets, team.slug)
    )
    return render(
        request, "metrics/includes/velocity_panel.html", {"velocity": rows, "predictability_target": target}
    )
