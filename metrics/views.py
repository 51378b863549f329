"""Dashboards: thin views over snapshots (never the raw tables, except the drill-down, which lists
records). Every page takes the same filters — team, window kind, end week — from the query string,
so each works without JavaScript; htmx swaps `#partial` when a filter changes."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from collab.models import Team
from collab.permissions import Cap, require
from metrics import dashboards, selectors, services
from metrics.computations import DORA_METRICS, METRICS, targets_with_overrides
from metrics.drilldown import cohort_listing
from metrics.forms import DashboardFilterForm, TargetsForm
from metrics.models import MetricSnapshot
from metrics.texts import BANDS, DORA_BAND_RULES, GROUPS, KINDS, LEVELS, METRIC_TEXTS, WINDOW_LABELS

DEFAULT_WINDOW = MetricSnapshot.WindowKind.WEEKS_4
COLLABORATION = ("time_to_alignment", "rework_rate", "first_time_acceptance", "conflict_one_session_rate")
PAGES = {
    "overview": (None, ""),
    "health": (COLLABORATION, "metrics:health"),
    "dora": (DORA_METRICS, "metrics:dora"),
    "investment": (("investment_balance", "velocity"), "metrics:investment"),
    "escalations": (("escalations",), "metrics:escalations"),
}


def _need_org(request: HttpRequest) -> Any:
    org = getattr(request, "org", None)
    if org is None:
        raise Http404(_("You are not in an organisation yet."))
    return org


def _scope(
    request: HttpRequest, *, org: Any, teams: list[Team], team_slug: str | None = None
) -> tuple[dashboards.Scope, list[str], bool]:
    """The page's filters, the end weeks one can choose, and whether any snapshot exists."""
    form = DashboardFilterForm(request.GET or None)
    slug = team_slug or form.value("team", "")
    team = None
    if slug:
        team = next((t for t in teams if t.slug == slug), None)
        if team is None:
            raise Http404(_("No such team in this organisation."))
    kind = form.value("window", DEFAULT_WINDOW)
    now = services.current_week(org)
    history = selectors.history_range(org=org, kind=kind)
    first, last = history if history else (now, now)
    last = max(last, now)
    weeks = [
        services.shift_week(last, -i)
        for i in range(services.week_index(last) - services.week_index(first) + 1)
    ]
    end = form.value("to", last)
    if end not in weeks:
        end = last
    metric = form.value("metric", "velocity")
    return dashboards.Scope(team=team, kind=kind, end=end, metric=metric), weeks, history is not None


def _base_context(
    request: HttpRequest,
    *,
    page: str,
    org: Any,
    scope: dashboards.Scope,
    teams: list[Team],
    weeks: list[str],
    has_data: bool,
) -> dict[str, Any]:
    return {
        "page": page,
        "scope": scope,
        "teams": teams,
        "weeks": weeks,
        "windows": list(WINDOW_LABELS.items()),
        "window_label": WINDOW_LABELS[scope.kind],
        "first_week": services.shift_week(scope.end, -(services.WINDOW_KINDS[scope.kind] - 1)),
        "current_week": services.current_week(org),
        "has_data": has_data,
        "freshness": selectors.freshness(org=org),
        "targets": targets_with_overrides(services.org_targets(org)),
        "tabs": _tabs(scope),
        "action_url": reverse(PAGES[page][1])
        if page in PAGES and PAGES[page][1]
        else reverse("metrics:overview"),
    }


def _tabs(scope: dashboards.Scope) -> list[tuple[str, str, str]]:
    query = scope.query()
    team_url = reverse("metrics:team", args=[scope.team.slug]) if scope.team else reverse("metrics:overview")
    return [
        (
            "overview",
            _("Overview"),
            f"{team_url}?{scope.query(team='')}" if scope.team else f"{team_url}?{query}",
        ),
        ("health", _("Collaboration health"), f"{reverse('metrics:health')}?{query}"),
        ("dora", _("DORA"), f"{reverse('metrics:dora')}?{query}"),
        ("investment", _("Investment"), f"{reverse('metrics:investment')}?{query}"),
        ("escalations", _("Escalations"), f"{reverse('metrics:escalations')}?{query}"),
    ]


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["figure_payloads"] = [
        (figure_id, json.dumps(figure, separators=(",", ":"), allow_nan=False))
        for figure_id, figure in context.get("figures", [])
    ]
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        template += "#partial"
    return render(request, template, context)


def _points(
    org: Any, scope: dashboards.Scope, weeks: list[str], *, metrics: tuple[str, ...] | None, all_teams: bool
) -> list[selectors.Point]:
    """One query: the scope's (and the organisation's) trends; with `all_teams`, every team's
    value at the end week and every team's trend of the focus metric."""
    scoped = Q(team__isnull=True) | (Q(team=scope.team) if scope.team else Q())
    where = scoped
    if all_teams:
        where = where | Q(window_end=scope.end) | Q(metric=scope.metric)
    if metrics is not None:
        where = where & Q(metric__in=metrics)
    return selectors.snapshot_points(org=org, kind=scope.kind, weeks=weeks, where=where)


# --- pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def overview(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Every metric with value against target, light and 13-week trend; per-team small multiples
    and a team table for the organisation; the organisation's values beside a team's."""
    org = _need_org(request)
    teams = selectors.team_list(org=org)
    scope, weeks, has_data = _scope(request, org=org, teams=teams, team_slug=slug)
    context = _base_context(
        request, page="overview", org=org, scope=scope, teams=teams, weeks=weeks, has_data=has_data
    )
    trend = selectors.trend_weeks(scope.end)
    points = _points(org, scope, trend, metrics=None, all_teams=scope.team is None)
    found = dashboards.series(points, trend)
    at_end = {(p.team_id, p.metric): p for p in points if p.end == scope.end}
    targets = context["targets"]
    team_id = scope.team.pk if scope.team else None
    all_cards = {
        card.metric: card
        for card in dashboards.cards(
            METRICS,
            scope=scope,
            found=found,
            weeks=trend,
            targets=targets,
            team_id=team_id,
            compare_org=scope.team is not None,
        )
    }
    context |= {
        "groups": [(key, title, [all_cards[m] for m in metrics]) for key, title, metrics in GROUPS],
        "figures": [(card.figure_id, card.figure) for card in all_cards.values() if card.figure],
        "metric_choices": [(m, METRIC_TEXTS[m]["label"]) for m in METRICS],
        "focus_label": METRIC_TEXTS[scope.metric]["label"],
    }
    if scope.team is None:
        multiples = dashboards.small_multiples(
            scope.metric, teams=teams, found=found, weeks=trend, targets=targets
        )
        context["multiples"] = multiples
        if multiples:
            context["figures"].append(("fig-multiples", multiples))
        context["table_metrics"] = [(m, METRIC_TEXTS[m]["label"]) for m in METRICS]
        context["team_rows"] = dashboards.team_table(
            METRICS, teams=teams, at_end=at_end, targets=targets, scope=scope
        )
    return _render(request, "metrics/overview.html", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def team(request: HttpRequest, slug: str) -> HttpResponse:
    return overview(request, slug=slug)


def _section_page(request: HttpRequest, page: str, template: str, **extra: Any) -> tuple[dict[str, Any], Any]:
    org = _need_org(request)
    teams = selectors.team_list(org=org)
    scope, weeks, has_data = _scope(request, org=org, teams=teams)
    metrics = PAGES[page][0]
    assert metrics is not None
    context = _base_context(
        request, page=page, org=org, scope=scope, teams=teams, weeks=weeks, has_data=has_data
    )
    trend = selectors.trend_weeks(scope.end)
    points = _points(org, scope, trend, metrics=metrics, all_teams=scope.team is None)
    found = dashboards.series(points, trend)
    at_end = {(p.team_id, p.metric): p for p in points if p.end == scope.end}
    targets = context["targets"]
    team_id = scope.team.pk if scope.team else None
    cards = dashboards.cards(
        metrics,
        scope=scope,
        found=found,
        weeks=trend,
        targets=targets,
        team_id=team_id,
        compare_org=scope.team is not None,
        with_figures=False,
    )
    lines = (
        [(scope.team.name, scope.team.pk), (_("Organisation"), None)]
        if scope.team
        else [(_("Organisation"), None)]
    )
    figures = []
    for card in cards:
        card.figure = dashboards.trend_figure(
            card.metric, lines=lines, found=found, weeks=trend, targets=targets
        )
        if card.figure:
            figures.append((card.figure_id, card.figure))
    context |= {
        "cards": cards,
        "figures": figures,
        "found": found,
        "trend": trend,
        "team_id": team_id,
        "table_metrics": [(m, METRIC_TEXTS[m]["label"]) for m in metrics],
        "team_rows": dashboards.team_table(metrics, teams=teams, at_end=at_end, targets=targets, scope=scope)
        if scope.team is None
        else [],
    }
    return context, org


@login_required
@require_GET
@vary_on_headers("HX-Request")
def health(request: HttpRequest) -> HttpResponse:
    context, _org = _section_page(request, "health", "metrics/health.html")
    return _render(request, "metrics/health.html", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def dora(request: HttpRequest) -> HttpResponse:
    context, _org = _section_page(request, "dora", "metrics/dora.html")
    context["band_rules"] = [
        (METRIC_TEXTS[metric]["label"], rules) for metric, rules in DORA_BAND_RULES.items()
    ]
    context["bands"] = list(BANDS.items())
    return _render(request, "metrics/dora.html", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def investment(request: HttpRequest) -> HttpResponse:
    context, _org = _section_page(request, "investment", "metrics/investment.html")
    scope_id = context["team_id"]
    context["stacked"] = dashboards.investment_figure(
        context["found"].get((scope_id, "investment_balance"), []), context["trend"]
    )
    if context["stacked"]:
        context["figures"].append(("fig-investment-stacked", context["stacked"]))
    context["kinds"] = list(KINDS.items())
    return _render(request, "metrics/investment.html", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def escalations(request: HttpRequest) -> HttpResponse:
    context, _org = _section_page(request, "escalations", "metrics/escalations.html")
    scope_id = context["team_id"]
    context["stacked"] = dashboards.escalations_figure(
        context["found"].get((scope_id, "escalations"), []), context["trend"]
    )
    if context["stacked"]:
        context["figures"].append(("fig-escalations-stacked", context["stacked"]))
    context["levels"] = list(LEVELS.items())
    return _render(request, "metrics/escalations.html", context)


@login_required
@require_GET
def drilldown(request: HttpRequest, metric: str) -> HttpResponse:
    """The records behind one number (this page reads the raw tables: it lists records)."""
    org = _need_org(request)
    if metric not in METRICS:
        raise Http404(_("No such metric."))
    teams = selectors.team_list(org=org)
    scope, weeks, has_data = _scope(request, org=org, teams=teams)
    first = services.shift_week(scope.end, -(services.WINDOW_KINDS[scope.kind] - 1))
    listing = cohort_listing(
        org=org,
        metric=metric,
        team=scope.team,
        first_week=first,
        last_week=scope.end,
        page=request.GET.get("page") or 1,
    )
    snapshot = (
        MetricSnapshot.objects.filter(
            org=org, team=scope.team, metric=metric, window_kind=scope.kind, window_start=first
        )
        .values_list("value", "cohort", "computed_at")
        .first()
    )
    context = _base_context(
        request, page="drilldown", org=org, scope=scope, teams=teams, weeks=weeks, has_data=has_data
    )
    context |= {
        "metric": metric,
        "texts": METRIC_TEXTS[metric],
        "listing": listing,
        "snapshot": snapshot,
        "value_display": dashboards.format_value(metric, snapshot[0]) if snapshot else "—",
        "back_url": (reverse("metrics:team", args=[scope.team.slug]) + "?" + scope.query(team=""))
        if scope.team
        else reverse("metrics:overview") + "?" + scope.query(),
        "action_url": reverse("metrics:drilldown", args=[metric]),
        "page_query": scope.query(),
    }
    return render(request, "metrics/drilldown.html", context)


@login_required
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every snapshot of the organisation (of one team and window kind when filtered) as CSV."""
    org = _need_org(request)
    form = DashboardFilterForm(request.GET or None)
    snapshots = MetricSnapshot.objects.filter(org=org)
    slug = form.value("team", "")
    if slug:
        team_obj = get_object_or_404(Team, org=org, slug=slug)
        snapshots = snapshots.filter(team=team_obj)
    if request.GET.get("window"):
        snapshots = snapshots.filter(window_kind=form.value("window", DEFAULT_WINDOW))
    rows = snapshots.order_by("team__slug", "metric", "window_kind", "window_start").values_list(
        "team__slug",
        "metric",
        "window_kind",
        "window_start",
        "window_end",
        "value",
        "numerator",
        "denominator",
        "cohort",
        "extra",
        "computed_at",
    )

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(
            [
                "team",
                "metric",
                "window_kind",
                "from",
                "to",
                "value",
                "numerator",
                "denominator",
                "cohort",
                "extra",
                "computed_at",
            ]
        )
        for (
            team_slug,
            metric,
            kind,
            start,
            end,
            value,
            numerator,
            denominator,
            cohort,
            extra,
            computed_at,
        ) in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    team_slug or "",
                    metric,
                    kind,
                    start,
                    end,
                    _csv_number(value),
                    _csv_number(numerator),
                    _csv_number(denominator),
                    cohort,
                    json.dumps(extra, sort_keys=True),
                    computed_at.isoformat(),
                ]
            )

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{org.slug}-metrics-{stamp}.csv"'
    return response


def _csv_number(value: float | None) -> str:
    if value is None:
        return ""
    return repr(int(value)) if float(value).is_integer() else repr(value)


@login_required
@require_http_methods(["GET", "POST"])
@require(Cap.MANAGE_ORG)
def targets(request: HttpRequest) -> HttpResponse:
    """The organisation's targets; a change recomputes its snapshots within a minute."""
    org = _need_org(request)
    overrides = services.org_targets(org)
    form = TargetsForm(request.POST or None, overrides=overrides)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            org.targets = form.overrides()
            org.save(update_fields=["targets"])
            transaction.on_commit(lambda: services.org_metrics_refresh_later(org_id=org.pk))
        messages.success(request, _("Targets saved. The dashboards recompute within a minute."))
        return HttpResponseRedirect(reverse("metrics:targets"))
    return render(request, "metrics/targets.html", {"form": form, "page": "targets", "defaults_note": True})


@login_required
@require_POST
@require(Cap.RECOMPUTE)
def recompute(request: HttpRequest) -> HttpResponse:
    """ "Recompute now": a job for the worker, or, when the queue is down, the work on this request."""
    org = _need_org(request)
    outcome = services.org_metrics_refresh_now(org=org)
    if outcome == "queued":
        messages.success(request, _("Recompute queued: the numbers refresh in a moment (reload the page)."))
    else:
        messages.warning(
            request,
            _(
                "The job queue is unreachable, so the numbers were recomputed now, on this request. Automatic refreshes wait until it is back."
            ),
        )
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("metrics:overview")
    return HttpResponseRedirect(target)
