"""Plotly figures as plain dicts (JSON for `{{ fig|json_script }}`; static/js/app.js draws them).

The only module that imports plotly. Figures are written as the dicts plotly.js reads, with
plotly's "none" template and the project's layout, rather than through `plotly.graph_objects`:
building and validating graph objects costs milliseconds per figure, which a dashboard with
twenty of them cannot spend on every request. `validate` checks a figure against plotly's schema
(tests run it on every figure the pages draw). No WebGL traces, nothing that needs eval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import plotly.io as pio

from metrics.computations import Target

Figure = dict[str, Any]

FONT = {
    "family": 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "size": 13,
    "color": "#1d2333",
}
ACCENT, MUTED, LINE, GRID = "#3b5bdb", "#5b6478", "#dfe3ec", "#eef0f5"
GOOD, GOOD_SOFT = "#2b8a3e", "rgba(43, 138, 62, 0.10)"
TEAM_COLORS = ("#3b5bdb", "#e8590c", "#0c8599", "#9c36b5", "#2b8a3e", "#c92a2a", "#5c940d", "#1971c2")
KIND_COLORS = {"product": "#3b5bdb", "tech_debt": "#e8590c", "platform": "#0c8599", "bug": "#c92a2a"}
LEVEL_COLORS = {"1": "#74c0fc", "2": "#f59f00", "3": "#c92a2a"}


@cache
def _template() -> dict[str, Any]:
    return pio.templates["none"].to_plotly_json()


def _layout(*, height: int, margin: Mapping[str, int] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "template": _template(),
        "font": FONT,
        "height": height,
        "margin": dict(margin or {"l": 44, "r": 12, "t": 8, "b": 32}),
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        "hoverlabel": {"font": FONT, "bgcolor": "#ffffff", "bordercolor": LINE},
        **extra,
    }


def _week_ticks(weeks: Sequence[str], *, every: int) -> dict[str, Any]:
    shown = list(weeks[::-1][::every])[::-1]
    return {"tickvals": shown, "ticktext": [week[5:] for week in shown], "type": "category"}


def _axis_range(values: Sequence[float | None], target: Target | None, *, share: bool) -> list[float] | None:
    points = [v for v in values if v is not None and math.isfinite(v)]
    if target is not None:
        points += [target.value] + ([target.upper] if target.upper is not None else [])
    if not points:
        return [0, 1] if share else None
    low, high = min(0.0, min(points)), max(points)
    if share:
        high = max(high, 1.0) if high > 0.8 else high
    pad = (high - low) * 0.12 or 1.0
    return [low, high + pad]


def _target_shapes(target: Target | None, *, xref: str = "paper", yref: str = "y") -> list[dict[str, Any]]:
    if target is None:
        return []
    if target.direction == "range" and target.upper is not None:
        return [
            {
                "type": "rect",
                "xref": xref,
                "yref": yref,
                "x0": 0,
                "x1": 1,
                "y0": target.value,
                "y1": target.upper,
                "fillcolor": GOOD_SOFT,
                "line": {"width": 0},
                "layer": "below",
            }
        ]
    return [
        {
            "type": "line",
            "xref": xref,
            "yref": yref,
            "x0": 0,
            "x1": 1,
            "y0": target.value,
            "y1": target.value,
            "line": {"color": GOOD, "width": 1.5, "dash": "dash"},
        }
    ]


def _line(
    weeks: Sequence[str],
    values: Sequence[float | None],
    texts: Sequence[str],
    *,
    color: str,
    name: str,
    xaxis: str = "x",
    yaxis: str = "y",
    width: float = 2.5,
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "x": list(weeks),
        "y": list(values),
        "text": list(texts),
        "hovertemplate": "%{x} · %{text}<extra>" + name + "</extra>",
        "line": {"color": color, "width": width, "shape": "linear"},
        "marker": {"size": 5, "color": color},
        "connectgaps": False,
        "xaxis": xaxis,
        "yaxis": yaxis,
    }


def _value_axis(
    values: Sequence[float | None], target: Target | None, *, share: bool, **extra: Any
) -> dict[str, Any]:
    axis = {
        "gridcolor": GRID,
        "zeroline": False,
        "linecolor": LINE,
        "tickfont": {"size": 11, "color": MUTED},
        "fixedrange": True,
        "range": _axis_range(values, target, share=share),
    }
    if share:
        axis["tickformat"] = ".0%"
    return axis | extra


def sparkline(
    weeks: Sequence[str],
    values: Sequence[float | None],
    texts: Sequence[str],
    *,
    target: Target | None,
    share: bool,
    name: str,
) -> Figure:
    """A metric card's 13-week trend with its target line (or band)."""
    return {
        "data": [_line(weeks, values, texts, color=ACCENT, name=name)],
        "layout": _layout(
            height=100,
            margin={"l": 40, "r": 8, "t": 6, "b": 20},
            shapes=_target_shapes(target),
            xaxis={
                **_week_ticks(weeks, every=4),
                "showgrid": False,
                "linecolor": LINE,
                "tickfont": {"size": 10, "color": MUTED},
                "fixedrange": True,
            },
            yaxis=_value_axis(values, target, share=share, nticks=3),
        ),
    }


def trend(
    weeks: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], Sequence[str]]],
    *,
    target: Target | None,
    share: bool,
    height: int = 260,
) -> Figure:
    """A larger trend: one line per series (the first is the focus, the others are thinner)."""
    data = [
        _line(
            weeks,
            values,
            texts,
            color=TEAM_COLORS[i % len(TEAM_COLORS)],
            name=name,
            width=3 if i == 0 else 1.5,
        )
        for i, (name, values, texts) in enumerate(series)
    ]
    every_value = [v for _, values, _ in series for v in values]
    return {
        "data": data,
        "layout": _layout(
            height=height,
            shapes=_target_shapes(target),
            showlegend=len(series) > 1,
            legend={"orientation": "h", "y": -0.18, "font": {"size": 12}},
            margin={"l": 48, "r": 12, "t": 8, "b": 40 if len(series) > 1 else 30},
            xaxis={
                **_week_ticks(weeks, every=2),
                "showgrid": False,
                "linecolor": LINE,
                "tickfont": {"size": 11, "color": MUTED},
                "fixedrange": True,
            },
            yaxis=_value_axis(every_value, target, share=share),
        ),
    }


def small_multiples(
    weeks: Sequence[str],
    panels: Sequence[tuple[str, Sequence[float | None], Sequence[str]]],
    *,
    target: Target | None,
    share: bool,
    columns: int = 5,
) -> Figure:
    """One small trend per team, on one shared value scale so teams compare at a glance."""
    count = max(len(panels), 1)
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    gap_x, gap_y = 0.04, 0.34 / max(rows, 1) if rows > 1 else 0.0
    every_value = [v for _, values, _ in panels for v in values]
    value_range = _axis_range(every_value, target, share=share)
    data, annotations, shapes = [], [], []
    layout: dict[str, Any] = {}
    cell_w = (1 - gap_x * (columns - 1)) / columns
    cell_h = (1 - gap_y * (rows - 1)) / rows
    ticks = _week_ticks(weeks, every=6)
    for index, (name, values, texts) in enumerate(panels):
        row, column = divmod(index, columns)
        suffix = "" if index == 0 else str(index + 1)
        x0 = column * (cell_w + gap_x)
        y1 = 1 - row * (cell_h + gap_y)
        layout[f"xaxis{suffix}"] = {
            **ticks,
            "domain": [x0, x0 + cell_w],
            "anchor": f"y{suffix}",
            "showgrid": False,
            "linecolor": LINE,
            "tickfont": {"size": 10, "color": MUTED},
            "fixedrange": True,
        }
        layout[f"yaxis{suffix}"] = {
            "domain": [y1 - cell_h, y1],
            "anchor": f"x{suffix}",
            "range": value_range,
            "gridcolor": GRID,
            "zeroline": False,
            "tickfont": {"size": 10, "color": MUTED},
            "nticks": 3,
            "fixedrange": True,
            **({"tickformat": ".0%"} if share else {}),
        }
        data.append(
            _line(
                weeks, values, texts, color=ACCENT, name=name, xaxis=f"x{suffix}", yaxis=f"y{suffix}", width=2
            )
        )
        annotations.append(
            {
                "text": f"<b>{_escape(name)}</b>",
                "xref": "paper",
                "yref": "paper",
                "x": x0,
                "y": y1,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
        shapes += _target_shapes(target, xref=f"x{suffix} domain", yref=f"y{suffix}")
    height = 60 + rows * 170
    return {
        "data": data,
        "layout": _layout(
            height=height,
            margin={"l": 40, "r": 12, "t": 24, "b": 28},
            annotations=annotations,
            shapes=shapes,
            **layout,
        ),
    }


def stacked_bars(
    weeks: Sequence[str],
    stacks: Sequence[tuple[str, str, Sequence[float], Sequence[str]]],
    *,
    y_title: str,
    share: bool = False,
    counts: bool = False,
    height: int = 300,
) -> Figure:
    """Bars per week stacked by category: (name, colour, values, hover texts) per category."""
    data = [
        {
            "type": "bar",
            "name": name,
            "x": list(weeks),
            "y": list(values),
            "text": list(texts),
            "textposition": "none",
            "hovertemplate": "%{x} · %{text}<extra>" + name + "</extra>",
            "marker": {"color": color},
        }
        for name, color, values, texts in stacks
    ]
    axis: dict[str, Any] = {
        "title": {"text": y_title, "font": {"size": 12, "color": MUTED}},
        "gridcolor": GRID,
        "zeroline": False,
        "tickfont": {"size": 11, "color": MUTED},
        "fixedrange": True,
        "rangemode": "tozero",
    }
    if share:
        axis |= {"tickformat": ".0%", "range": [0, 1]}
    if counts:  # whole numbers: no 0.5 escalation ticks
        totals = [sum(column) for column in zip(*(values for _, _, values, _ in stacks), strict=True)] or [0]
        axis |= {"tickformat": "d", "dtick": max(1, math.ceil(max(totals) / 6))}
    return {
        "data": data,
        "layout": _layout(
            height=height,
            barmode="stack",
            bargap=0.25,
            showlegend=True,
            legend={"orientation": "h", "y": -0.16, "font": {"size": 12}, "traceorder": "normal"},
            margin={"l": 56, "r": 12, "t": 8, "b": 56},
            xaxis={
                **_week_ticks(weeks, every=2),
                "showgrid": False,
                "linecolor": LINE,
                "tickfont": {"size": 11, "color": MUTED},
                "fixedrange": True,
            },
            yaxis=axis,
        ),
    }


def _escape(text: str) -> str:
    """Plotly renders a subset of HTML in annotation text: keep team names literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def validate(figure: Figure) -> None:
    """Raise ValueError when `figure` is not a valid plotly figure (tests call this)."""
    import plotly.graph_objects as go

    go.Figure(figure)
