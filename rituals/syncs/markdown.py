"""A closed sync's summary as Markdown: the download and the body of the summary e-mail."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rituals.leadership.markdown import speaking_markdown
from rituals.syncs.selectors import SyncSummary
from rituals.syncs.services.common import org_tz
from rituals.syncs.timer import clock


def tr(text: str) -> str:
    """Translate a stored msgid (default titles, prompts, notes); typed text passes unchanged."""
    return _(text) if text else ""


def _line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _line(text).replace("|", "\\|")


def summary_markdown(summary: SyncSummary) -> str:
    sync = summary.sync
    tz = org_tz(sync.org)
    when = (sync.started_at or sync.scheduled_at).astimezone(tz)
    title = f"{sync.key} · {tr(sync.get_ritual_display())}"
    if sync.team is not None:
        title += f" — {sync.team.name}"
    out = [f"# {title}", ""]
    out.append(
        _("%(date)s (%(tz)s) · facilitated by %(name)s")
        % {"date": when.strftime("%Y-%m-%d %H:%M"), "tz": tz.key, "name": sync.facilitator.user}
    )
    out.append("")
    out.append(
        _("Duration: %(actual)s for %(planned)s planned.")
        % {"actual": clock(summary.actual_seconds), "planned": clock(summary.planned_seconds)}
    )
    if sync.close_note:
        out += ["", f"> {_line(tr(sync.close_note))}"]

    heading, section, planned, actual, overrun = (
        _("Sections: planned and actual"),
        _("Section"),
        _("Planned"),
        _("Actual"),
        _("Overrun"),
    )
    out += ["", f"## {heading}", ""]
    out.append(f"| {section} | {planned} | {actual} | {overrun} |")
    out.append("|---|---:|---:|---:|")
    for s in summary.sections:
        actual = clock(s.actual_seconds) if s.actual_seconds is not None else "—"
        overrun = f"+{clock(s.overrun_seconds)}" if s.overrun_seconds >= 1 else "—"
        out.append(f"| {_cell(tr(s.section.title))} | {clock(s.planned_seconds)} | {actual} | {overrun} |")

    out += speaking_markdown(sync)

    out += ["", "## " + _("Decisions"), ""]
    decisions = [(s, d) for s in summary.sections for d in s.decisions]
    if not decisions:
        out.append(_("No decision recorded."))
    for s, d in decisions:
        feature = f" ({d.feature.key})" if d.feature else ""
        out.append(f"- **{_line(tr(s.section.title))}** — {_line(d.label)}{feature}")

    out += ["", "## " + _("Action items"), ""]
    if not summary.action_items:
        out.append(_("No action item."))
    for a in summary.action_items:
        box = "x" if a.done_at else " "
        due = _(", due %(date)s") % {"date": a.due.isoformat()} if a.due else ""
        out.append(f"- [{box}] {_line(a.title)} — {a.owner.user}{due}")

    out += ["", "## " + _("Escalations"), ""]
    if not summary.escalations:
        out.append(_("No escalation."))
    for e in summary.escalations:
        state = _("decided") if e.decided_at else _("open")
        level = _("level %(n)s") % {"n": e.level}
        out.append(f"- {e.key} · {_line(e.title)} — {level}, {state}")

    if summary.unfinished:
        out += ["", "## " + _("Carried over to the next sync"), ""]
        out += [f"- {_line(i.label)}" for i in summary.unfinished]

    out += ["", "## " + _("Team pulse"), ""]
    if summary.pulse_mean is None:
        out.append(_("No answer yet."))
    else:
        out.append(
            _("%(mean)s / 5 (%(count)s answers)")
            % {"mean": f"{summary.pulse_mean:.1f}", "count": summary.pulse_count}
        )
    return "\n".join(out) + "\n"
