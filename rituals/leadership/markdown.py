"""The speaking-time table of a decision review's Markdown summary (download and e-mail)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rituals.leadership import selectors, speaking
from rituals.leadership.reviews import is_review
from rituals.models import Sync


def _pct(value: float | None) -> str:
    shown = speaking.percent(value)
    return "–" if shown is None else f"{shown} %"


def _time(seconds: float) -> str:
    total = int(max(0.0, seconds))
    return f"{total // 60}:{total % 60:02d}"


def speaking_markdown(sync: Sync) -> list[str]:
    """Lines of the speaking-time section ([] for other rituals): each decision's shares and the
    whole review's, as recorded when it closed."""
    if not is_review(sync):
        return []
    rows, whole = selectors.recorded_shares(sync=sync)
    out = ["", "## " + _("Speaking time"), ""]
    out.append(f"| {_('Decision')} | {_('Product')} | {_('Tech')} |")
    out.append("|---|---:|---:|")
    for decision, shares in rows:
        title = " ".join(decision.title.split()).replace("|", "\\|")
        out.append(
            f"| {title} | {_pct(shares.product_share)} ({_time(shares.product)}) "
            f"| {_pct(shares.tech_share)} ({_time(shares.tech)}) |"
        )
    if whole is not None:
        out.append(
            f"| **{_('Whole review')}** | {_pct(whole.product_share)} ({_time(whole.product)}) "
            f"| {_pct(whole.tech_share)} ({_time(whole.tech)}) |"
        )
    return out
