"""Template helpers of decision reviews: the speaking-time tracker (live region of the shared screen
and the laptop page), the agenda panel of the laptop page, and the shares in the summary."""

from __future__ import annotations

from typing import Any

from django import template

from rituals.leadership import reviews, selectors, speaking
from rituals.leadership.forms import ReviewDecisionForm
from rituals.models import Sync

register = template.Library()


def _membership(context: Any) -> Any:
    request = context.get("request")
    return getattr(request, "membership", None) if request is not None else None


@register.inclusion_tag("rituals/leadership/_tracker.html", takes_context=True)
def speaking_tracker(context: Any) -> dict[str, Any]:
    sync: Sync = context["sync"]
    state = selectors.review_state(sync=sync, membership=_membership(context))
    current = context.get("current")
    decision = None
    if state is not None and current is not None:
        decision = next((d for d in state.decisions if d.section_id == current.pk), None)
    return {
        "sync": sync,
        "state": state,
        "decision": decision,
        "view": context.get("view", "detail"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("rituals/leadership/_agenda.html", takes_context=True)
def review_agenda(context: Any) -> dict[str, Any]:
    from rituals.leadership.views_reviews import may_edit_agenda

    sync: Sync = context["sync"]
    request = context["request"]
    decisions = selectors.review_decisions(sync=sync)
    editable = sync.status != Sync.Status.CLOSED and may_edit_agenda(request, sync)
    form = None
    if editable:
        form = ReviewDecisionForm(
            org=sync.org,
            candidates=selectors.review_candidates(org=sync.org),
            presenters=reviews.default_presenters(sync.org_id),
        )
    return {
        "sync": sync,
        "decisions": decisions,
        "editable": editable,
        "form": form,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("rituals/leadership/_speaking_summary.html", takes_context=True)
def speaking_summary(context: Any) -> dict[str, Any]:
    sync: Sync = context["sync"]
    target = selectors.speaking_target(sync.org)
    if sync.status == Sync.Status.CLOSED:
        rows, whole = selectors.recorded_shares(sync=sync)
    else:
        state = selectors.review_state(sync=sync, membership=None)
        rows, whole = (state.rows, state.meeting) if state else ([], None)
    return {
        "rows": [(d, s, s.balanced(target)) for d, s in rows],
        "whole": whole,
        "whole_balanced": whole.balanced(target) if whole else None,
        "target_low": speaking.percent(target),
        "target_high": speaking.percent(1 - target),
    }


@register.filter
def pct(value: float | None) -> str:
    shown = speaking.percent(value)
    return "–" if shown is None else f"{shown} %"


@register.filter
def pct_number(value: float | None) -> int:
    return speaking.percent(value) or 0


@register.filter
def minutes_seconds(value: float | None) -> str:
    total = int(max(0.0, value or 0.0))
    return f"{total // 60}:{total % 60:02d}"


@register.filter
def pct_complement(value: float | None) -> str:
    return pct(None if value is None else 1 - value)


@register.simple_tag
def share_cell(part: int, total: int, target: float) -> str:
    """A team's quarter: the share with its light against the target, and the counts."""
    from django.utils.html import format_html

    share = part / total if total else 0.0
    good = share + 1e-9 >= target
    return format_html(
        '<span class="pill {}">{}</span> <span class="muted small">{}/{}</span>',
        "pill-good" if good else "pill-warn",
        pct(share),
        part,
        total,
    )


@register.filter
def figure(value: Any) -> str:
    """A business figure without trailing zeros, in the reader's number format (2.100 → 2.1)."""
    from decimal import Decimal, InvalidOperation

    from django.utils.formats import number_format

    try:
        number = Decimal(value).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return number_format(number, use_l10n=True, force_grouping=False)
