"""Dashboards: thin views over snapshots (never the raw tables). Every page takes the same filters —
team, window kind, end week — from the query string, so each works without JavaScript; htmx swaps
`#partial` when a filter changes. The records behind a number, the CSV export, the targets and
"Recompute now" are in metrics/views_records.py.

A page's `#partial` (the numbers, tables and figures) is cached (metrics/page_cache.py). What every
page reads around it comes in one query (selectors.dashboard_frame); its numbers in one more. The
overview of the organisation loads its table of every team after first paint (`team_table`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from collab.models import Team
from metrics import dashboards, page_cache, selectors, services
from metrics.card_html import card_html
from metrics.computations import DORA_METRICS, METRICS, targets_for_team, team_overrides
from metrics.forms import DashboardFilterForm, select_options, team_options, week_list, week_options
from metrics.lead_time_split import lead_time_split
from metrics.models import MetricSnapshot
from metrics.open_escalations import open_escalations
from metrics.selectors import ALL_TEAMS, Part
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


def need_org(request: HttpRequest) -> Any:
    org = getattr(request, "org", None)
    if org is None:
        raise Http404(_("You are not in an organisation yet."))
    return org


def dashboard_scope(
    request: HttpRequest,
    *,
    org: Any,
    teams: list[Team],
    team_slug: str | None = None,
    frame: selectors.Frame | None = None,
) -> tuple[dashboards.Scope, list[str], bool]:
    """The page's filters, the end weeks one can choose (newest first), and whether any snapshot
    exists. An unknown team is a 404 (another organisation's team is unknown here); any other
    unreadable filter falls back to its default. `frame` (selectors.dashboard_frame) has the
    weeks the snapshots cover already."""
    form = DashboardFilterForm(request.GET or None)
    slug = team_slug or form.value("team", "")
    team = None
    if slug:
        team = next((t for t in teams if t.slug == slug), None)
        if team is None:
            raise Http404(_("No such team in this organisation."))
    kind = form.value("window", DEFAULT_WINDOW)
    now = services.current_week(org)
    history = frame.history if frame is not None else selectors.history_range(org=org, kind=kind, teams=teams)
    first, last = history if history else (now, now)
    last = max(last, now)
    weeks = week_list(first, last)
    end = form.value("to", last)
    if end not in weeks:
        end = last
    metric = form.value("metric", "velocity")
    return dashboards.Scope(team=team, kind=kind, end=end, metric=metric), list(weeks), history is not None


def base_context(
    *,
    page: str,
    org: Any,
    scope: dashboards.Scope,
    teams: list[Team],
    weeks: list[str],
    has_data: bool,
    frame: selectors.Frame | None = None,
) -> dict[str, Any]:
    context = _base_context(
        page=page, org=org, scope=scope, teams=teams, weeks=weeks, has_data=has_data, frame=frame
    )
    if page == "escalations":  # live, not snapshots: how long each undecided one has waited
        context["open_escalations"] = open_escalations(org=org, team=scope.team)
    return context


def _base_context(
    *,
    page: str,
    org: Any,
    scope: dashboards.Scope,
    teams: list[Team],
    weeks: list[str],
    has_data: bool,
    frame: selectors.Frame | None,
) -> dict[str, Any]:
    current_week = services.current_week(org)
    return {
        "page": page,
        "scope": scope,
        "teams": teams,
        "weeks": weeks,
        "windows": list(WINDOW_LABELS.items()),
        "window_label": WINDOW_LABELS[scope.kind],
        "window_span": WINDOW_SPANS[scope.kind],
        "first_week": services.shift_week(scope.end, -(services.WINDOW_KINDS[scope.kind] - 1)),
        "current_week": current_week,
        "has_data": has_data,
        "freshness": selectors.freshness(org=org, runs=frame.runs if frame is not None else None),
        # A team's page reads the team's own targets where it has them.
        "targets": targets_for_team(
            services.org_targets(org), org.targets, scope.team.slug if scope.team else None
        ),
        "tabs": _tabs(scope),
        "action_url": reverse(PAGES[page][1]) if page in PAGES else reverse("metrics:overview"),
        # The selects' options, built once (three years of weeks make a long list to loop over).
        "team_options": team_options(
            tuple((t.slug, t.name) for t in teams), scope.team.slug if scope.team else ""
        ),
        "window_options": select_options(list(WINDOW_LABELS.items()), scope.kind),
        "week_options": (
            week_options(weeks[-1], weeks[0], current_week, scope.end, _("this week")) if weeks else ""
        ),
        "metric_options": select_options([(m, METRIC_TEXTS[m]["label"]) for m in METRICS], scope.metric),
    }


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
    org: Any, scope: dashboards.Scope, weeks: list[str], *, metrics: tuple[str, ...], page: str, table: bool
) -> list[selectors.Point]:
    """One query: the scope's (and the organisation's) trends; for the organisation's per-team
    table (`table`), every team's value at the end week; for the overview's small multiples, every
    team's trend of the focus metric. Each part its own branch of a UNION (an OR of them would have
    PostgreSQL read every snapshot of the window kind). Before the end week a trend reads only the
    values, but for the stacked figures, which read each week's details."""
    earlier, full_trend = weeks[:-1], page in ("investment", "escalations")
    parts: list[Part] = []
    own = scope.team.pk if scope.team else None
    for team_id in [None] + ([own] if scope.team else []):
        parts.append(Part([scope.end], metrics, team_id))
        # The trends: the scope's, and the organisation's beside a team's on a section page (a
        # team's overview compares its cards with the organisation's at the end week only).
        if team_id == own or page != "overview":
            parts.append(Part(earlier, metrics, team_id, full=full_trend))
    if scope.team is None and table:  # every team's value (and band) at the end week
        parts.append(Part([scope.end], metrics, ALL_TEAMS, full=False, band=True))
    if scope.team is None and table and page == "overview" and scope.metric in metrics:
        parts.append(Part(weeks, [scope.metric], ALL_TEAMS, full=False))  # the focus metric
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


def lazy_table(page: str, scope: dashboards.Scope) -> bool:
    """Whether the page loads its table of every team after first paint (`metrics.views_teams`):
    every page of the organisation (a team's page has no such table); the overview's comes with
    the small multiples, a trend per team."""
    return scope.team is None


def _fill(context: dict[str, Any], *, org: Any, page: str, table: bool | None = None) -> None:
    """The numbers, tables and figures of the page's `#partial` (one query). The per-team table
    comes with them unless the page loads it after first paint (`table`: whether it comes)."""
    scope: dashboards.Scope = context["scope"]
    teams: list[Team] = context["teams"]
    metrics = PAGES[page][0]
    targets = context["targets"]
    trend = selectors.trend_weeks(scope.end)
    if table is None:
        table = not lazy_table(page, scope)
    points = _points(org, scope, trend, metrics=metrics, page=page, table=table)
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
    for card in cards:
        card.html = card_html(card, wide=page != "overview")
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
            if scope.team is None and table
            else []
        ),
        "team_table_url": (
            f"{reverse('metrics:team_table')}?{scope.query()}&page={page}"
            if scope.team is None and not table
            else ""
        ),
    }
    if page == "dora":
        context["lead_time_stages"] = _lead_time_stages(org, scope, context["first_week"])
    if page == "overview":
        by_metric = {card.metric: card for card in cards}
        context["groups"] = [(key, title, [by_metric[m] for m in group]) for key, title, group in GROUPS]
        context["focus_label"] = METRIC_TEXTS[scope.metric]["label"]
        if scope.team is None and table:  # the teams compared in place (else loaded after)
            _teams_compared(context, found=found, weeks=trend)
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
    context["figure_payloads"] = [(figure_id, figure_text(figure)) for figure_id, figure in figures]


def figure_text(figure: dict[str, Any]) -> str:
    """A figure's JSON as the text of an element: `&`, `<` and `>` escaped, which keeps it inert and
    reads back the same through `textContent`; its many quotes left as they are (escaping them
    would add a third to the page)."""
    text = json.dumps(figure, separators=(",", ":"), allow_nan=False)
    return mark_safe(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))  # noqa: S308


def _own_targets(org: Any, teams: list[Team]) -> dict[int, Any]:
    """The targets of the teams that have their own (team id → targets)."""
    org_overrides = services.org_targets(org)
    return {
        team.pk: targets_for_team(org_overrides, org.targets, team.slug)
        for team in teams
        if team_overrides(org.targets, team.slug)
    }


def _frame_context(
    request: HttpRequest, page: str, *, team_slug: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """The organisation and what the page shows around its numbers (one query: dashboard_frame)."""
    org = need_org(request)
    frame = selectors.dashboard_frame(org=org)
    scope, weeks, has_data = dashboard_scope(
        request, org=org, teams=frame.teams, team_slug=team_slug, frame=frame
    )
    context = base_context(
        page=page, org=org, scope=scope, teams=frame.teams, weeks=weeks, has_data=has_data, frame=frame
    )
    return org, context


def _dashboard(
    request: HttpRequest, page: str, *, team_slug: str | None = None, table: bool | None = None
) -> HttpResponse:
    org, context = _frame_context(request, page, team_slug=team_slug)
    template = PAGES[page][2]
    inline = bool(table) and lazy_table(page, context["scope"])  # the table in place, not loaded after

    def render_partial() -> str:
        _fill(context, org=org, page=page, table=table)
        return render_to_string(f"{template}#partial", context, request)

    partial = page_cache.cached(
        page_cache.cache_key(context, org=org, page=page, part="inline" if inline else ""), render_partial
    )
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return HttpResponse(partial)  # the swapped #partial
    # The partial is this page's own render (now or from the cache): markup, not text.
    return render(request, template, context | {"partial_html": mark_safe(partial)})  # noqa: S308


def _teams_compared(
    context: dict[str, Any], *, found: Mapping[tuple[int | None, str], list[Any]], weeks: list[str]
) -> None:
    """The overview's small multiples of the focus metric, one per team, with their figure."""
    scope: dashboards.Scope = context["scope"]
    multiples = dashboards.small_multiples(
        scope.metric, teams=context["teams"], found=found, weeks=weeks, targets=context["targets"]
    )
    context["multiples"] = multiples
    context["multiples_payload"] = figure_text(multiples) if multiples else ""
    context["focus_label"] = METRIC_TEXTS[scope.metric]["label"]


def render_team_table(context: dict[str, Any], *, org: Any, page: str) -> str:
    """The table of every team (and the organisation) at the end week of `page`'s metrics, which
    the page loads after first paint; the overview's with its teams compared, the focus metric's
    trend of each team (small multiples). One query."""
    scope: dashboards.Scope = context["scope"]
    metrics, teams = PAGES[page][0], context["teams"]
    trend = selectors.trend_weeks(scope.end)
    parts = [Part([scope.end], metrics, ALL_TEAMS, full=False, band=True)]
    if page == "overview":
        parts.append(Part(trend, [scope.metric], ALL_TEAMS, full=False))
    points = selectors.snapshot_points_any(org=org, kind=scope.kind, parts=parts)
    if page == "overview":
        _teams_compared(context, found=dashboards.series(points, trend), weeks=trend)
    context |= {
        "table_metrics": [(m, METRIC_TEXTS[m]["label"]) for m in metrics],
        "team_rows": dashboards.team_table(
            metrics,
            teams=teams,
            at_end={(p.team_id, p.metric): p for p in points if p.end == scope.end},
            targets=context["targets"],
            scope=scope,
            own=_own_targets(org, teams),
        ),
    }
    template = "teams_compared" if page == "overview" else "team_table"
    return render_to_string(f"metrics/includes/{template}.html", context)


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
