"""A metric card's markup, built here rather than by a template: a page shows up to fourteen, and
Django's template engine took longer to render them than the page's query and numbers together.
The markup is what metrics/includes/card.html (the overview's cards) and section_card.html (a
section's wide cards, with their larger trend) wrote: texts escaped, translations escaped as
`{% translate %}` does, a `{% blocktranslate %}` text left as it is with its values escaped."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from metrics.dashboards import Card


def _e(value: object) -> str:
    return escape(str(value))


def _t(translated: str) -> str:
    """As `{% translate %}` writes a translation: escaped."""
    return escape(translated)


def _bt(translated: str, **values: object) -> str:
    """As `{% blocktranslate with … %}` writes a translation: as it is, its values escaped."""
    return translated % {name: _e(value) for name, value in values.items()}


def card_html(card: Card, *, wide: bool) -> SafeString:
    """The card of `card` (`wide`: a section's card, its trend beside it)."""
    metric, drill = _e(card.metric), _e(card.drill_url)
    parts = [
        f'<article class="card metric-card{" metric-card-wide" if wide else ""}'
        f'{" is-empty" if card.empty else ""}" id="metric-{metric}" data-metric="{metric}">',
        '<div class="metric-summary">' if wide else "",
        f'<header class="metric-head"><h3><a href="{drill}">{_e(card.label)}</a></h3>{card.light_html}</header>',
    ]
    if card.empty and card.has_trend:
        earlier = (
            _("The trend shows earlier windows.") if wide else _("The trend below shows earlier windows.")
        )
        parts.append(
            f'<div class="empty metric-empty window-empty"><strong>{_e(card.window_empty)}</strong>'
            f"{_t(earlier)}</div>"
        )
    elif card.empty and wide and card.figure:
        parts.append(
            f'<div class="empty metric-empty"><strong>{_t(_("No data yet for this team"))}</strong>'
            f"{_t(_('The chart shows the organisation.'))} "
            f"{_bt(_('Record this to see it: %(what)s'), what=card.record)}</div>"
        )
    elif card.empty:
        parts.append(
            f'<div class="empty metric-empty"><strong>{_t(_("No data yet"))}</strong>'
            f"{_bt(_('Record this to see it: %(what)s'), what=card.record)}</div>"
        )
    else:
        parts.append(
            f'<p class="kpi metric-value"><a href="{drill}" title="{_t(_("See the records behind this number"))}">'
            f"{_e(card.display)}</a></p>"
        )
    band = (
        f' <span class="pill band band-{_e(card.band)}">{_bt(_("DORA: %(band)s"), band=card.band_label)}</span>'
        if card.band
        else ""
    )
    parts.append(
        f'<p class="metric-meta small"><span>{_t(_("Target"))}: <strong>{_e(card.target)}</strong></span>{band}</p>'
    )
    fraction = f" · {_e(card.fraction)}" if card.fraction else ""
    parts.append(f'<p class="metric-meta small muted">{_e(card.cohort)}{fraction}</p>')
    if card.compare:
        parts.append(
            f'<p class="metric-meta small">{_t(_("Organisation"))}: <strong>{_e(card.compare)}</strong> '
            f"{card.compare_light_html}</p>"
        )
    trend_label = _bt(_("Trend of %(label)s over 13 weeks, with its target"), label=card.label)
    if card.figure and not wide:
        parts.append(
            f'<div class="spark" data-figure="{_e(card.figure_id)}" role="img" aria-label="{trend_label}"></div>'
        )
    if card.extra:
        lines = "".join(f"<dt>{_e(label)}</dt><dd>{_e(text)}</dd>" for label, text in card.extra)
        parts.append(f'<dl class="metric-extra small">{lines}</dl>')
    parts.append(
        f'<details class="how"><summary>{_t(_("How is this computed?"))}</summary><p>{_e(card.how)}</p>'
        f'<p><a href="{drill}">{_t(_("See the records"))}</a></p></details>'
    )
    if wide:
        chart = (
            f'<div class="trend" data-figure="{_e(card.figure_id)}" role="img" aria-label="{trend_label}"></div>'
            if card.figure
            else f'<p class="muted small trend-empty">{_t(_("No trend yet: no window of the last 13 weeks has a value."))}</p>'
        )
        parts.append(f'</div><div class="metric-chart">{chart}</div>')
    parts.append("</article>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)
