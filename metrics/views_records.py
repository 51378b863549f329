"""The records behind a number (the one dashboard page that reads the raw tables), the CSV export
of the snapshot table, the organisation's targets, and "Recompute now"."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
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
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.audit import audit_record
from collab.models import Team
from collab.permissions import Cap, require
from collab.weeks import org_zone
from metrics import selectors, services
from metrics.computations import DEFAULT_TARGETS, METRICS, status, targets_for_team, team_overrides
from metrics.dashboards import light_labels
from metrics.drilldown import cohort_listing, cohort_table
from metrics.forms import DashboardFilterForm, TargetsForm
from metrics.models import MetricSnapshot
from metrics.texts import METRIC_TEXTS, format_value, target_text
from metrics.views import DEFAULT_WINDOW, PAGES, base_context, dashboard_scope, need_org


@login_required
@require_GET
def drilldown(request: HttpRequest, metric: str) -> HttpResponse:
    """The records behind one number (this page reads the raw tables: it lists records)."""
    org = need_org(request)
    if metric not in METRICS:
        raise Http404(_("No such metric."))
    teams = selectors.team_list(org=org)
    scope, weeks, has_data = dashboard_scope(request, org=org, teams=teams)
    first = services.shift_week(scope.end, -(services.WINDOW_KINDS[scope.kind] - 1))
    with timezone.override(org_zone(org.time_zone)):  # records' times as the organisation reads them
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
    context = base_context(
        page="drilldown", org=org, scope=scope, teams=teams, weeks=weeks, has_data=has_data
    )
    context |= {
        "metric": metric,
        "texts": METRIC_TEXTS[metric],
        "listing": listing,
        "snapshot": snapshot,
        "value_display": format_value(metric, snapshot[0]) if snapshot else "—",
        "back_url": (reverse("metrics:team", args=[scope.team.slug]) + "?" + scope.query(team=""))
        if scope.team
        else reverse("metrics:overview") + "?" + scope.query(),
        "action_url": reverse("metrics:drilldown", args=[metric]),
        "page_query": scope.query(),
    }
    return render(request, "metrics/drilldown.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(header: list[str], rows: Iterable[list[Any]], filename: str) -> StreamingHttpResponse:
    """A streamed CSV download (with a byte-order mark, so spreadsheets read accents right)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """What the dashboard shows, as CSV: the page's metrics for its team (or every team and the
    organisation) over its window, with readable headers, values as on screen and raw numbers.
    `?all=1` keeps the full dump of the snapshot table (every metric, window and week)."""
    org = need_org(request)
    if request.GET.get("all") == "1":
        return _snapshot_dump(request, org)
    teams = selectors.team_list(org=org)
    scope, _weeks, _has_data = dashboard_scope(request, org=org, teams=teams)
    page = request.GET.get("dashboard", "")
    metrics = PAGES[page][0] if page in PAGES else METRICS
    first = services.shift_week(scope.end, -(services.WINDOW_KINDS[scope.kind] - 1))
    shown: list[Team | None] = [scope.team, None] if scope.team else [*teams, None]
    found: dict[tuple[int | None, str], tuple[float | None, int]] = {
        (team_id, metric): (value, cohort)
        for team_id, metric, value, cohort in MetricSnapshot.objects.filter(
            org=org, window_kind=scope.kind, window_start=first, metric__in=metrics
        )
        .filter(Q(team__isnull=True) | Q(team__in=[t for t in shown if t is not None]))
        .values_list("team_id", "metric", "value", "cohort")
    }
    org_overrides = services.org_targets(org)
    lights = light_labels()

    def rows() -> Iterator[list[Any]]:
        for team in shown:
            targets = targets_for_team(org_overrides, org.targets, team.slug if team else None)
            for metric in metrics:
                value, cohort = found.get((team.pk if team else None, metric), (None, 0))
                yield [
                    team.name if team else _("Organisation"),
                    str(METRIC_TEXTS[metric]["label"]),
                    first,
                    scope.end,
                    format_value(metric, value) if value is not None else "",
                    _csv_number(value),
                    str(METRIC_TEXTS[metric]["unit"]),
                    target_text(metric, targets),
                    lights[status(metric, value, targets)],
                    cohort,
                ]

    header = [
        _("Team"),
        _("Metric"),
        pgettext("csv column", "From"),
        pgettext("csv column", "To"),
        pgettext("csv column", "Value"),
        _("Raw value"),
        _("Unit"),
        _("Target"),
        _("Status"),
        _("Records counted"),
    ]
    who = scope.team.slug if scope.team else "all-teams"
    name = f"{org.slug}-{page or 'overview'}-{who}-{scope.kind}-{scope.end}.csv"
    return _csv_response(header, rows(), name)


@login_required
@require_GET
def drilldown_csv(request: HttpRequest, metric: str) -> StreamingHttpResponse:
    """Every record the records page lists (all its pages), as CSV with its columns' headers."""
    org = need_org(request)
    if metric not in METRICS:
        raise Http404(_("No such metric."))
    teams = selectors.team_list(org=org)
    scope, _weeks, _has_data = dashboard_scope(request, org=org, teams=teams)
    first = services.shift_week(scope.end, -(services.WINDOW_KINDS[scope.kind] - 1))
    with timezone.override(org_zone(org.time_zone)):
        header, records = cohort_table(
            org=org, metric=metric, team=scope.team, first_week=first, last_week=scope.end
        )
    zone = org_zone(org.time_zone)

    def rows() -> Iterator[list[str]]:
        with timezone.override(zone):  # the rows are built as the response streams
            yield from records

    who = scope.team.slug if scope.team else "all-teams"
    return _csv_response(header, rows(), f"{org.slug}-{metric}-{who}-{scope.kind}-{scope.end}.csv")


def _snapshot_dump(request: HttpRequest, org: Any) -> StreamingHttpResponse:
    """Every snapshot of the organisation (of one team and window kind when filtered)."""
    form = DashboardFilterForm(request.GET or None)
    snapshots = MetricSnapshot.objects.filter(org=org)
    slug = form.value("team", "")
    if slug:
        team_obj = get_object_or_404(Team, org=org, slug=slug)
        snapshots = snapshots.filter(team=team_obj)
    if request.GET.get("window"):
        snapshots = snapshots.filter(window_kind=form.value("window", DEFAULT_WINDOW))
    found = snapshots.order_by("team__slug", "metric", "window_kind", "window_start").values_list(
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

    def rows() -> Iterator[list[Any]]:
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
            at,
        ) in found.iterator(chunk_size=2000):
            yield [
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
                at.isoformat(),
            ]

    header = [
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
    stamp = timezone.localdate().isoformat()
    return _csv_response(header, rows(), f"{org.slug}-metrics-{stamp}.csv")


def _csv_number(value: float | None) -> str:
    if value is None:
        return ""
    return repr(int(value)) if float(value).is_integer() else repr(value)


@login_required
@require_http_methods(["GET", "POST"])
@require(Cap.MANAGE_ORG)
def targets(request: HttpRequest) -> HttpResponse:
    """The organisation's targets, or one team's own (`?team=slug`: a blank field keeps the
    organisation's); a change recomputes its snapshots within a minute."""
    org = need_org(request)
    teams = selectors.team_list(org=org)
    slug = request.GET.get("team", "")
    team = next((t for t in teams if t.slug == slug), None)
    if slug and team is None:
        raise Http404(_("No such team in this organisation."))
    org_overrides = services.org_targets(org)
    stored = org.targets if isinstance(org.targets, dict) else {}
    if team is None:
        form = TargetsForm(request.POST or None, overrides=org_overrides)
    else:
        form = TargetsForm(
            request.POST or None, overrides=team_overrides(stored, team.slug), inherited=org_overrides
        )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            org.refresh_from_db(fields=["targets"])
            stored = org.targets if isinstance(org.targets, dict) else {}
            if team is None:
                # Keys the metrics engine doesn't read (the rituals' own targets, the teams') are kept.
                kept = {k: v for k, v in stored.items() if k not in DEFAULT_TARGETS}
                org.targets = kept | form.overrides()
            else:
                previous = stored.get("teams")
                own: dict[str, Any] = previous if isinstance(previous, dict) else {}
                own = {k: v for k, v in own.items() if k in {t.slug for t in teams}} | {
                    team.slug: form.overrides()
                }
                org.targets = stored | {"teams": {k: v for k, v in own.items() if v}}
                if not org.targets["teams"]:
                    del org.targets["teams"]
            org.save(update_fields=["targets"])
            audit_record(
                org=org,
                actor=getattr(request, "membership", None),
                action="targets_changed",
                details={"metrics": sorted(form.overrides()), **({"team": team.slug} if team else {})},
            )
            transaction.on_commit(lambda: services.org_metrics_refresh_later(org_id=org.pk))
        messages.success(request, _("Targets saved. The dashboards recompute within a minute."))
        return HttpResponseRedirect(reverse("metrics:targets") + (f"?team={team.slug}" if team else ""))
    saved = stored.get("teams")
    own_targets: dict[str, Any] = saved if isinstance(saved, dict) else {}
    return render(
        request,
        "metrics/targets.html",
        {
            "form": form,
            "page": "targets",
            "defaults_note": True,
            "teams": teams,
            "team": team,
            "teams_with_own": [t for t in teams if own_targets.get(t.slug)],
        },
    )


@login_required
@require_POST
@require(Cap.RECOMPUTE)
def recompute(request: HttpRequest) -> HttpResponse:
    """ "Recompute now": a job for the worker, or, when the queue is down, the work on this request."""
    org = need_org(request)
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
