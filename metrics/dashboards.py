"""What the dashboard pages show, built from snapshot points (no query here): metric cards with
their value against target, traffic light, trend and drill-down link; per-team tables; figures.
`warm_pages` (metrics/warming.py, named here too) renders the pages into the page cache after a
recompute."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape as _escape  # Django's `escape`, without its SafeString per call
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from collab.models import Team
from metrics import charts
from metrics.computations import DORA_METRICS, Target, status
from metrics.selectors import Point
from metrics.texts import (
    BANDS,
    KINDS,
    LEVELS,
    METRIC_TEXTS,
    SHARE_METRICS,
    WINDOW_EMPTY,
    format_value,
    format_values,
    number,
    number_formats,
    percent,
    section_name,
    target_text,
)
from metrics.warming import WARMED_PAGES, warm_pages  # noqa: F401 (named here as well)

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

    def drill_url(self, metric: str, team: Team | None | str = "scope", *, records: str = "") -> str:
        """The records behind `metric`'s number (`records`: `records_path()`, for many metrics)."""
        chosen = self.team if team == "scope" else team
        query = {
            "window": self.kind,
            "to": self.end,
            **({"team": chosen.slug} if isinstance(chosen, Team) else {}),
        }
        path = (records or records_path()).replace("/-/", f"/{metric}/")
        return f"{path}?{urlencode(query)}"


def records_path() -> str:
    """The path of a metric's records page, "-" for the metric (one `reverse` for a page's links)."""
    return reverse("metrics:drilldown", args=["-"])


# The cohort in words, per metric (the plural read from the "n" of the values).
COHORT_NOUNS = {
    "time_to_alignment": ngettext_lazy("%(n)d spec aligned", "%(n)d specs aligned", "n"),
    "rework_rate": ngettext_lazy("%(n)d spec aligned", "%(n)d specs aligned", "n"),
    "first_time_acceptance": ngettext_lazy("%(n)d feature reviewed", "%(n)d features reviewed", "n"),
    "conflict_one_session_rate": ngettext_lazy("%(n)d conflict resolved", "%(n)d conflicts resolved", "n"),
    "velocity": ngettext_lazy("%(n)d feature delivered", "%(n)d features delivered", "n"),
    "investment_balance": ngettext_lazy("%(n)d feature delivered", "%(n)d features delivered", "n"),
    "predictability": ngettext_lazy("%(n)d feature planned", "%(n)d features planned", "n"),
    "sync_discipline": ngettext_lazy("%(n)d sync run", "%(n)d syncs run", "n"),
    "escalations": ngettext_lazy("%(n)d escalation opened", "%(n)d escalations opened", "n"),
    "deployment_frequency": ngettext_lazy("%(n)d production deployment", "%(n)d production deployments", "n"),
    "lead_time_for_changes": ngettext_lazy("%(n)d commit shipped", "%(n)d commits shipped", "n"),
    "change_failure_rate": ngettext_lazy("%(n)d production deployment", "%(n)d production deployments", "n"),
    "time_to_restore": ngettext_lazy("%(n)d incident resolved", "%(n)d incidents resolved", "n"),
    "team_pulse": ngettext_lazy("%(n)d pulse answer", "%(n)d pulse answers", "n"),
}


def cohort_text(metric: str, size: int) -> str:
    """The cohort in words: "5 specs aligned", "12 deployments"."""
    return str(COHORT_NOUNS[metric] % {"n": size})


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
    # The lights' markup, as metrics/includes/light.html writes it (built here: a page has dozens).
    light_html: str = ""
    compare_light_html: str = ""
    html: str = ""  # the whole card's markup (metrics.card_html), once its figure is set


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
    return values, format_values(metric, values)


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
    labels, records = light_labels(), records_path()
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
                drill_url=scope.drill_url(metric, records=records),
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
        card = result[-1]
        card.light_html = light_html(card.light, labels)
        card.compare_light_html = light_html(card.compare_light, labels)
    return result


def light_html(state: str | None, labels: Mapping[str | None, str]) -> SafeString:
    """metrics/includes/light.html's markup for `state` (its trailing newline included)."""
    if not state:
        return mark_safe("\n")
    label = _escape(labels[state] if state in ("good", "warn") else labels["bad"])
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<span class="light light-{_escape(state)}" role="img" aria-label="{label}" title="{label}"></span>\n'
    )


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
    cells_html: str = ""  # every cell's <td>, built once the cells are


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
    Forty teams make hundreds of cells: labels, URLs and markup pieces are built once, not per
    cell."""
    labels = {state: str(label) for state, label in light_labels().items()}
    formats = number_formats()
    empty_html = mark_safe(f'<span class="muted" title="{_escape(str(_("No data yet")))}">—</span>')  # noqa: S308
    lights = {state: _light_span(state, labels[state]) for state in ("good", "warn", "bad")} | {None: ""}
    bands = {key: str(label) for key, label in BANDS.items()} | {None: ""}
    band_spans = {
        key: f' <span class="pill band band-{_escape(key)}">{_escape(label)}</span>'
        for key, label in bands.items()
        if key
    }
    records = {metric: records_path().replace("/-/", f"/{metric}/") for metric in metrics}
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
            value = None if point is None else point.value
            state = status(metric, value, held_to)
            kind = None if point is None else (point.extra or {}).get("band")
            url = f"{records[metric]}?{query}"
            display = format_value(metric, value, short=True, formats=formats)
            cell = Cell(
                display=display,
                light=state,
                light_label=labels[state],
                band=kind,
                band_label=bands.get(kind, ""),
                empty=value is None,
                url=url,
            )
            if value is None:
                cell.html = empty_html
            else:  # every value escaped
                cell.html = mark_safe(  # noqa: S308
                    f'<a href="{_escape(url)}">{_escape(display)}</a>{lights[state]}'
                    + ((band_spans.get(kind) or _band_span(kind, cell.band_label)) if kind else "")
                )
            row.cells.append(cell)
        # The row's cells in one piece: hundreds of cells cost the template engine milliseconds.
        row.cells_html = mark_safe("".join(f'<td class="num">{cell.html}</td>' for cell in row.cells))  # noqa: S308
        rows.append(row)
    return rows


def _light_span(state: str, label: str) -> str:
    return (
        f' <span class="light light-{_escape(state)}" role="img" aria-label="{_escape(label)}"'
        f' title="{_escape(label)}"></span>'
    )


def _band_span(kind: str, label: str) -> str:
    return f' <span class="pill band band-{_escape(kind)}">{_escape(label)}</span>'


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
