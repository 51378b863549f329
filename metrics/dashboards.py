"""What the dashboard pages show, built from snapshot points (no query here): metric cards with
their value against target, traffic light, trend and drill-down link; per-team tables; figures.
And `warm_pages`, which renders the pages into the page cache after a recompute."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collab.models import Organisation, Team
from metrics import charts, selectors
from metrics.computations import DORA_METRICS, Target, status
from metrics.selectors import Point
from metrics.services import QUEUE_ERRORS
from metrics.texts import (
    BANDS,
    KINDS,
    LEVELS,
    METRIC_TEXTS,
    SHARE_METRICS,
    WINDOW_EMPTY,
    format_value,
    number,
    percent,
    section_name,
    target_text,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    """The filters of a dashboard page: whose numbers (a team, or the organisation), which window
    kind, ending which week; the metric the per-team small multiples show."""

    team: Team | None
    kind: str
    end: str
    metric: str

    def query(self, **changes: Any) -> str:
        values = {
            "team": self.team.slug if self.team else "",
            "window": self.kind,
            "to": self.end,
            "metric": self.metric,
        }
        values |= changes
        return urlencode({key: value for key, value in values.items() if value})

    def drill_url(self, metric: str, team: Team | None | str = "scope") -> str:
        chosen = self.team if team == "scope" else team
        query = {
            "window": self.kind,
            "to": self.end,
            **({"team": chosen.slug} if isinstance(chosen, Team) else {}),
        }
        return f"{reverse('metrics:drilldown', args=[metric])}?{urlencode(query)}"


def cohort_text(metric: str, size: int) -> str:
    """The cohort in words: "5 specs aligned", "12 deployments"."""
    nouns = {
        "time_to_alignment": ngettext("%(n)d spec aligned", "%(n)d specs aligned", size),
        "rework_rate": ngettext("%(n)d spec aligned", "%(n)d specs aligned", size),
        "first_time_acceptance": ngettext("%(n)d feature reviewed", "%(n)d features reviewed", size),
        "conflict_one_session_rate": ngettext("%(n)d conflict resolved", "%(n)d conflicts resolved", size),
        "velocity": ngettext("%(n)d feature delivered", "%(n)d features delivered", size),
        "investment_balance": ngettext("%(n)d feature delivered", "%(n)d features delivered", size),
        "predictability": ngettext("%(n)d feature planned", "%(n)d features planned", size),
        "sync_discipline": ngettext("%(n)d sync run", "%(n)d syncs run", size),
        "escalations": ngettext("%(n)d escalation opened", "%(n)d escalations opened", size),
        "deployment_frequency": ngettext("%(n)d production deployment", "%(n)d production deployments", size),
        "lead_time_for_changes": ngettext("%(n)d commit shipped", "%(n)d commits shipped", size),
        "change_failure_rate": ngettext("%(n)d production deployment", "%(n)d production deployments", size),
        "time_to_restore": ngettext("%(n)d incident resolved", "%(n)d incidents resolved", size),
        "team_pulse": ngettext("%(n)d pulse answer", "%(n)d pulse answers", size),
    }
    return nouns[metric] % {"n": size}


def _hours(value: float | None) -> str:
    return format_value("lead_time_for_changes", value)


def extra_lines(metric: str, point: Point | None, targets: Mapping[str, Target]) -> list[tuple[str, str]]:
    """The details a metric keeps beside its value, as (label, text) pairs."""
    if point is None or point.value is None and metric != "escalations":
        return []
    extra = point.extra or {}
    if metric == "time_to_alignment":
        share = extra.get("share_within_target")
        days = extra.get("median_days")
        return [
            (
                _("Aligned within target (%(target)s)") % {"target": target_text(metric, targets)},
                percent(share),
            ),
            (_("Median days from first session to alignment"), number(days)),
        ]
    if metric == "conflict_one_session_rate":
        mean = extra.get("mean_sessions")
        return [(_("Mean sessions per conflict"), number(mean))]
    if metric == "investment_balance":
        return [
            (str(KINDS.get(kind, kind)), percent(share))
            for kind, share in (extra.get("by_kind") or {}).items()
        ]
    if metric == "sync_discipline":
        return [
            (
                _("Mean overrun · %(section)s") % {"section": section_name(code)},
                _("%(minutes)s min") % {"minutes": number(minutes)},
            )
            for code, minutes in (extra.get("mean_overrun_minutes") or {}).items()
        ]
    if metric == "escalations":
        lines = [
            (str(LEVELS[level]), str(count))
            for level, count in (extra.get("by_level") or {}).items()
            if level in LEVELS
        ]
        hours = extra.get("median_hours_to_decision")
        lines.append((_("Median time to decision (decided escalations)"), _hours(hours)))
        return lines
    return []


def light(metric: str, point: Point | None, targets: Mapping[str, Target]) -> str | None:
    return status(metric, None if point is None else point.value, targets)


def band(point: Point | None) -> str | None:
    return None if point is None else (point.extra or {}).get("band")


@dataclass
class Card:
    metric: str
    label: str
    how: str
    record: str
    value: float | None
    display: str
    target: str
    light: str | None
    band: str | None
    band_label: str
    cohort: str
    empty: bool
    extra: list[tuple[str, str]]
    drill_url: str
    figure_id: str
    figure: dict[str, Any] | None
    compare: str = ""  # the organisation's value, on a team's page
    compare_light: str | None = None
    numerator: float | None = None
    denominator: float | None = None
    is_dora: bool = False
    fraction: str = ""
    has_trend: bool = False  # an earlier window of the trend has a value
    window_empty: str = ""  # what an empty window means, when the trend has earlier values


def _fraction(metric: str, point: Point | None) -> str:
    if point is None or point.value is None or point.numerator is None or point.denominator is None:
        return ""
    if metric in SHARE_METRICS:
        return _("%(numerator)s of %(denominator)s") % {
            "numerator": number(point.numerator),
            "denominator": number(point.denominator),
        }
    if metric == "velocity":
        return _("%(points)s points over %(weeks)s weeks") % {
            "points": number(point.numerator),
            "weeks": number(point.denominator),
        }
    return ""


def series(points: Iterable[Point], weeks: Sequence[str]) -> dict[tuple[int | None, str], list[Point | None]]:
    """(team id, metric) → the points of `weeks`, oldest first, None where missing."""
    position = {week: i for i, week in enumerate(weeks)}
    found: dict[tuple[int | None, str], list[Point | None]] = defaultdict(lambda: [None] * len(weeks))
    for point in points:
        if point.end in position:
            found[(point.team_id, point.metric)][position[point.end]] = point
    return found


def _values(metric: str, points: Sequence[Point | None]) -> tuple[list[float | None], list[str]]:
    values = [None if p is None else p.value for p in points]
    return values, [format_value(metric, v) for v in values]


def cards(
    metrics: Sequence[str],
    *,
    scope: Scope,
    found: Mapping[tuple[int | None, str], list[Point | None]],
    weeks: Sequence[str],
    targets: Mapping[str, Target],
    team_id: int | None,
    compare_org: bool = False,
    with_figures: bool = True,
) -> list[Card]:
    result = []
    empty_series: list[Point | None] = [None] * len(weeks)
    for metric in metrics:
        texts = METRIC_TEXTS[metric]
        trend_points = found.get((team_id, metric), empty_series)
        point = trend_points[-1] if trend_points else None
        value = None if point is None else point.value
        empty = point is None or (point.cohort == 0 and metric != "escalations")
        values, hover = _values(metric, trend_points)
        figure = (
            charts.sparkline(
                weeks,
                values,
                hover,
                target=targets.get(metric),
                share=metric in SHARE_METRICS,
                name=str(texts["label"]),
            )
            if with_figures and any(v is not None for v in values)
            else None
        )
        org_point = found.get((None, metric), empty_series)[-1] if compare_org else None
        result.append(
            Card(
                metric=metric,
                label=str(texts["label"]),
                how=str(texts["how"]),
                record=str(texts["record"]),
                value=value,
                display=format_value(metric, value),
                target=target_text(metric, targets),
                light=light(metric, point, targets),
                band=band(point),
                band_label=str(BANDS.get(band(point) or "", "")),
                cohort=cohort_text(metric, point.cohort if point else 0),
                empty=empty,
                extra=extra_lines(metric, point, targets),
                drill_url=scope.drill_url(metric),
                figure_id=f"fig-{metric}",
                figure=figure,
                compare=format_value(metric, org_point.value) if org_point is not None else "",
                compare_light=light(metric, org_point, targets) if org_point is not None else None,
                numerator=None if point is None else point.numerator,
                denominator=None if point is None else point.denominator,
                is_dora=metric in DORA_METRICS,
                fraction=_fraction(metric, point),
                has_trend=any(v is not None for v in values[:-1]),
                window_empty=str(WINDOW_EMPTY[metric]),
            )
        )
    return result


@dataclass
class Cell:
    display: str
    light: str | None
    light_label: str
    band: str | None
    band_label: str
    empty: bool
    url: str
    html: str = ""  # the cell's content, built here: forty teams make hundreds of cells to render


def light_labels() -> dict[str | None, str]:
    return {"good": _("On target"), "warn": _("Close to target"), "bad": _("Off target"), None: ""}


@dataclass
class TeamRow:
    team: Team | None  # None: the organisation
    cells: list[Cell] = field(default_factory=list)
    url: str = ""


def team_table(
    metrics: Sequence[str],
    *,
    teams: Sequence[Team],
    at_end: Mapping[tuple[int | None, str], Point],
    targets: Mapping[str, Target],
    scope: Scope,
    include_org: bool = True,
    own: Mapping[int, Mapping[str, Target]] | None = None,
) -> list[TeamRow]:
    """One row per team (then the organisation): each metric's value and light at the window.
    Forty teams make hundreds of cells: labels and URLs are built once, not per cell."""
    labels = {state: str(label) for state, label in light_labels().items()}
    no_data = str(_("No data yet"))
    bands = {key: str(label) for key, label in BANDS.items()} | {None: ""}
    records = {metric: reverse("metrics:drilldown", args=[metric]) for metric in metrics}
    team_page = reverse("metrics:team", args=["-"]).rstrip("/").removesuffix("-")
    window = urlencode({"window": scope.kind, "to": scope.end})
    other = scope.query(team="")
    rows = []
    for team in [*teams, None] if include_org else teams:
        team_id = team.pk if team else None
        query = f"{window}&{urlencode({'team': team.slug})}" if team else window
        row = TeamRow(team=team, url=f"{team_page}{team.slug}/?{other}" if team else "")
        held_to = (own or {}).get(team_id, targets) if team_id is not None else targets  # a team's own
        for metric in metrics:
            point = at_end.get((team_id, metric))
            state = light(metric, point, held_to)
            kind = band(point)
            cell = Cell(
                display=format_value(metric, None if point is None else point.value, short=True),
                light=state,
                light_label=labels[state],
                band=kind,
                band_label=bands.get(kind, ""),
                empty=point is None or point.value is None,
                url=f"{records[metric]}?{query}",
            )
            cell.html = _cell_html(cell, no_data)
            row.cells.append(cell)
        rows.append(row)
    return rows


def _cell_html(cell: Cell, no_data: str) -> SafeString:
    """A cell's markup (hundreds a page: plain escapes, not a template or format_html each)."""
    if cell.empty:
        return mark_safe(f'<span class="muted" title="{escape(no_data)}">—</span>')  # noqa: S308
    html = f'<a href="{escape(cell.url)}">{escape(cell.display)}</a>'
    if cell.light:
        label = escape(cell.light_label)
        html += f' <span class="light light-{escape(cell.light)}" role="img" aria-label="{label}" title="{label}"></span>'
    if cell.band:
        html += f' <span class="pill band band-{escape(cell.band)}">{escape(cell.band_label)}</span>'
    return mark_safe(html)  # noqa: S308 (every value escaped)


def small_multiples(
    metric: str,
    *,
    teams: Sequence[Team],
    found: Mapping[tuple[int | None, str], list[Point | None]],
    weeks: Sequence[str],
    targets: Mapping[str, Target],
) -> dict[str, Any] | None:
    panels = []
    for team in teams:
        values, hover = _values(metric, found.get((team.pk, metric), [None] * len(weeks)))
        panels.append((team.name, values, hover))
    if not panels or all(v is None for _, values, _ in panels for v in values):
        return None
    columns = 4 if len(panels) <= 8 else 6
    return charts.small_multiples(
        weeks, panels, target=targets.get(metric), share=metric in SHARE_METRICS, columns=columns
    )


def trend_figure(
    metric: str,
    *,
    lines: Sequence[tuple[str, int | None]],
    found: Mapping[tuple[int | None, str], list[Point | None]],
    weeks: Sequence[str],
    targets: Mapping[str, Target],
) -> dict[str, Any] | None:
    """A larger trend of `metric`: one line per (name, team id or None for the organisation)."""
    series_list = []
    for name, team_id in lines:
        values, hover = _values(metric, found.get((team_id, metric), [None] * len(weeks)))
        series_list.append((name, values, hover))
    if all(v is None for _, values, _ in series_list for v in values):
        return None
    return charts.trend(weeks, series_list, target=targets.get(metric), share=metric in SHARE_METRICS)


def investment_figure(points: Sequence[Point | None], weeks: Sequence[str]) -> dict[str, Any] | None:
    """Effort points delivered per window, stacked by kind."""
    kinds = list(KINDS)
    stacks = []
    for kind in kinds:
        values, hover = [], []
        for point in points:
            share = ((point.extra or {}).get("by_kind") or {}).get(kind) if point else None
            total = point.denominator if point and point.denominator else 0
            amount = (share or 0) * (total or 0)
            values.append(amount)
            hover.append(
                _("%(points)s points · %(share)s") % {"points": number(amount), "share": percent(share or 0)}
            )
        stacks.append((str(KINDS[kind]), charts.KIND_COLORS[kind], values, hover))
    if not any(v for _, _, values, _ in stacks for v in values):
        return None
    return charts.stacked_bars(weeks, stacks, y_title=_("Effort points delivered"))


def escalations_figure(points: Sequence[Point | None], weeks: Sequence[str]) -> dict[str, Any] | None:
    stacks = []
    for level in ("1", "2", "3"):
        values = [((p.extra or {}).get("by_level") or {}).get(level, 0) if p else 0 for p in points]
        stacks.append((str(LEVELS[level]), charts.LEVEL_COLORS[level], values, [str(v) for v in values]))
    if not any(v for _, _, values, _ in stacks for v in values):
        return None
    return charts.stacked_bars(weeks, stacks, y_title=_("Escalations opened"), counts=True)


# --- warming the page cache after a recompute ----------------------------------------------------

# The views rendered ahead after a recompute: (page, window kind or None for the page's default),
# for the organisation — the overview in every window kind, the other pages as they open.
WARMED_PAGES: tuple[tuple[str, str | None], ...] = (
    ("overview", None),
    ("overview", "week"),
    ("overview", "13w"),
    ("health", None),
    ("dora", None),
    ("investment", None),
    ("escalations", None),
)


def warm_pages(*, org: Organisation, team: Team | None = None) -> int:
    """Render the dashboards' numbers (each page's `#partial`) into the page cache, as a first
    view would, for every language: the views of `WARMED_PAGES`, and `team`'s page. Called
    after a recompute, whose new version makes every cached page a miss: the first person to
    look then gets a cached page. Returns how many pages were rendered (none when the cache is
    unreachable: pages are then rendered on each view anyway)."""
    from metrics import views  # the pages' own code, for the same context and cache key

    teams = selectors.team_list(org=org)
    targets: list[tuple[str, str | None, Team | None]] = [(page, kind, None) for page, kind in WARMED_PAGES]
    if team is not None:
        targets.append(("overview", None, team))
    rendered = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for page, kind, scoped in targets:
                request = HttpRequest()  # the filters a first view has: none, or the window
                request.GET = QueryDict(urlencode({"window": kind}) if kind else "")
                scope, weeks, has_data = views.dashboard_scope(
                    request, org=org, teams=teams, team_slug=scoped.slug if scoped else None
                )
                context = views.base_context(
                    page=page, org=org, scope=scope, teams=teams, weeks=weeks, has_data=has_data
                )
                key = views._cache_key(context, org=org, page=page)
                if key is None:
                    return rendered
                views._fill(context, org=org, page=page)
                # The partial reads nothing of the request but the organisation (and the language).
                html = render_to_string(f"{views.PAGES[page][2]}#partial", context | {"org": org})
                try:
                    cache.set(key, html, timeout=views.CACHE_SECONDS)
                except QUEUE_ERRORS as exc:
                    logger.warning("metrics dashboards: cache unreachable while warming: %s", exc)
                    return rendered
                rendered += 1
    return rendered
