"""The spec's editable fields: their labels, their phase, the revision kind a change to each one
proposes, and how their values are normalised and shown as text (for diffs and the business view).

Revision kind proposed from the fields changed (DESIGN.md: "rework" when requirements, success
criteria, journey or chosen solution changed; "clarification" for wording):

    field                         phase              kind
    business_driver_kind          context setting    rework         (the requirement's driver)
    expected_impact               context setting    rework         (the quantified requirement)
    business_driver_description   context setting    clarification  (wording of the why)
    technical_constraints         context setting    rework         (technical requirements)
    success_criteria              context setting    rework
    user_journey                  solution design    rework
    business_value                solution design    clarification  (wording of the value)
    options                       solution design    rework         (options and the chosen one)
    solution                      solution design    rework
    invest                        checklist          clarification  (assessment, nothing to build)

A revision is proposed as rework when any changed field is a rework field, else clarification.
Unknown field names (imported revisions) count as rework: the cautious reading.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from collab.models import Spec, SpecRevision

REWORK, CLARIFICATION = SpecRevision.Kind.REWORK.value, SpecRevision.Kind.CLARIFICATION.value

CONTEXT_FIELDS = (
    "business_driver_kind",
    "business_driver_description",
    "expected_impact",
    "technical_constraints",
    "success_criteria",
)
SOLUTION_FIELDS = ("user_journey", "business_value", "options", "solution")
INVEST_FIELDS = ("invest",)
SPEC_FIELDS = CONTEXT_FIELDS + SOLUTION_FIELDS + INVEST_FIELDS
LIST_FIELDS = ("technical_constraints", "success_criteria", "options")
# Free text, shown (and diffed) as typed.
TEXT_FIELDS = ("business_driver_description", "expected_impact", "user_journey", "business_value", "solution")

# Size limits: a spec is read in a meeting; 20,000 characters is some ten pages. They also bound the
# work of a diff (see diff.py).
SPEC_TEXT_MAX = 20_000
TEXT_MAX: dict[str, int] = {name: SPEC_TEXT_MAX for name in TEXT_FIELDS} | {"expected_impact": 300}
ROW_TEXT_MAX: dict[str, int] = {
    "description": 500,
    "metric": 200,
    "target": 200,
    "title": 200,
    "tradeoffs": 2_000,
}

FIELD_KIND: dict[str, str] = {
    "business_driver_kind": REWORK,
    "expected_impact": REWORK,
    "business_driver_description": CLARIFICATION,
    "technical_constraints": REWORK,
    "success_criteria": REWORK,
    "user_journey": REWORK,
    "business_value": CLARIFICATION,
    "options": REWORK,
    "solution": REWORK,
    "invest": CLARIFICATION,
}

FIELD_LABELS: dict[str, Any] = {
    "business_driver_kind": _("Business driver"),
    "business_driver_description": _("Why it matters"),
    "expected_impact": _("Expected impact"),
    "technical_constraints": _("Technical constraints"),
    "success_criteria": _("Success criteria"),
    "user_journey": _("User journey"),
    "business_value": _("Business value"),
    "options": _("Architecture options"),
    "solution": _("Co-created solution"),
    "invest": pgettext_lazy("heading", "INVEST checklist"),
}

CONSTRAINT_KINDS = [
    ("legacy", _("Legacy systems")),
    ("performance", _("Performance requirements")),
    ("security", _("Security")),
    ("other", _("Other")),
]
CRITERION_KINDS = [("business", _("Business metric")), ("technical", _("Technical metric"))]

INVEST_ITEMS = [
    ("independent", _("Independent"), _("Can be built and shipped without waiting for another feature.")),
    ("negotiable", _("Negotiable"), _("The scope can still be discussed between product and tech.")),
    ("valuable", _("Valuable"), _("Brings value users or the business can name.")),
    ("estimable", _("Estimable"), _("The team can estimate the effort.")),
    ("small", _("Small"), _("Fits in a few weeks of the team's work.")),
    ("testable", _("Testable"), _("The success criteria say how to check it is done.")),
]
INVEST_KEYS = tuple(key for key, _label, _help in INVEST_ITEMS)


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ").capitalize()))


def propose_kind(fields: list[str] | tuple[str, ...] | set[str]) -> str:
    """The revision kind the app proposes for a change to these spec fields (table above)."""
    return REWORK if any(FIELD_KIND.get(name, REWORK) == REWORK for name in fields) else CLARIFICATION


def _clean_str(value: Any) -> str:
    return str(value if value is not None else "").strip()


def normalise(name: str, value: Any) -> Any:
    """One canonical shape per field, so comparing old and new finds real changes only."""
    if name == "technical_constraints":
        rows = [
            {"kind": _clean_str(r.get("kind")) or "other", "description": _clean_str(r.get("description"))}
            for r in value or []
        ]
        return [r for r in rows if r["description"]]
    if name == "success_criteria":
        rows = [
            {
                "kind": _clean_str(r.get("kind")) or "business",
                "metric": _clean_str(r.get("metric")),
                "target": _clean_str(r.get("target")),
            }
            for r in value or []
        ]
        return [r for r in rows if r["metric"] or r["target"]]
    if name == "options":
        options: list[dict[str, Any]] = [
            {
                "title": _clean_str(r.get("title")),
                "tradeoffs": _clean_str(r.get("tradeoffs")),
                "chosen": bool(r.get("chosen")),
            }
            for r in value or []
        ]
        return [r for r in options if r["title"] or r["tradeoffs"]]
    if name == "invest":
        if value is None:
            return None
        return {key: bool(value.get(key)) for key in INVEST_KEYS}
    return _clean_str(value).replace("\r\n", "\n")


def too_long(name: str, value: Any) -> str | None:
    """Why a normalised field value is refused for its size, or None."""
    if name in TEXT_MAX and len(value or "") > TEXT_MAX[name]:
        return str(
            _("Keep this under %(max)s characters (it has %(n)s).") % {"max": TEXT_MAX[name], "n": len(value)}
        )
    if name in LIST_FIELDS:
        for row in value or []:
            for key, limit in ROW_TEXT_MAX.items():
                if len(str(row.get(key) or "")) > limit:
                    return str(
                        _("Keep each row of “%(field)s” under %(max)s characters.")
                        % {"field": field_label(name), "max": limit}
                    )
    return None


def spec_values(spec: Spec) -> dict[str, Any]:
    return {name: normalise(name, getattr(spec, name)) for name in SPEC_FIELDS}


def _choice_label(choices: list[tuple[str, Any]], value: str) -> str:
    return str(dict(choices).get(value, value))


def as_text(name: str, value: Any) -> str:
    """A field's value as readable text (one line per list item), for diffs and summaries."""
    if value in (None, "", []):
        return ""
    if name == "business_driver_kind":
        return _choice_label(Spec.Driver.choices, value)
    if name == "technical_constraints":
        return "\n".join(
            f"• {_choice_label(CONSTRAINT_KINDS, r.get('kind', ''))}: {r.get('description', '')}"
            for r in value
        )
    if name == "success_criteria":
        return "\n".join(
            f"• {_choice_label(CRITERION_KINDS, r.get('kind', ''))}: {r.get('metric', '')} → {r.get('target', '')}"
            for r in value
        )
    if name == "options":
        chosen = str(_("chosen"))
        return "\n".join(
            f"• {r.get('title', '')}{' (' + chosen + ')' if r.get('chosen') else ''}: {r.get('tradeoffs', '')}"
            for r in value
        )
    if name == "invest":
        return "\n".join(f"{'✓' if value.get(key) else '✗'} {label}" for key, label, _help in INVEST_ITEMS)
    if isinstance(value, list | dict):
        return str(value)
    return str(value)
