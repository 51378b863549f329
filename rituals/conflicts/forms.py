"""Forms for conflicts and escalations. Obstacle, 1:1 and post-mortem forms are in forms_records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.models import Organisation, Team
from rituals.conflicts import selectors
from rituals.conflicts.matrix import LEVEL_TITLES, grouped_category_choices
from rituals.conflicts.services import STEPS
from rituals.conflicts.services.conflicts import MAX_OPTIONS

TEXTAREA = forms.Textarea(attrs={"rows": 5})


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def now_local() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


def _category_choices() -> list[Any]:
    return [("", _("Choose…")), *grouped_category_choices()]


class CategoryField(forms.ChoiceField):
    """The nine categories grouped by escalation level; a callable, so the labels follow the
    language of each request rather than the one active when the form class was built."""

    def __init__(self, *, required: bool = True, **kwargs: Any) -> None:
        super().__init__(required=required, choices=_category_choices, **kwargs)


class ConflictCreateForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), empty_label=_("Choose…"))
    title = forms.CharField(
        label=_("What is the disagreement about?"),
        max_length=300,
        help_text=_(
            "One line both sides would sign, e.g. “Ship checkout v2 before the sales event or after the billing migration”."
        ),
    )
    category = CategoryField(
        label=_("Category"),
        help_text=_("The category sets the escalation level by the matrix shown beside the form."),
    )
    facts = forms.CharField(label=_("Pause: the facts"), widget=TEXTAREA, required=False)

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.teams_of(org=org)  # type: ignore[attr-defined]


class PauseForm(forms.Form):
    facts = forms.CharField(
        label=_("The facts"),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        help_text=_(
            "Stop the argument. Write what both sides agree is true: dates, numbers, what was promised, what the code does today."
        ),
    )


class IdentifyForm(forms.Form):
    business_needs = forms.CharField(
        label=_("Business needs"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_(
            "What the business needs and why: revenue, churn, a commitment to a customer, a market date."
        ),
    )
    technical_constraints = forms.CharField(
        label=_("Technical constraints"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_(
            "What the technology allows today: legacy systems, performance, security, capacity of the team."
        ),
    )


class ValueForm(forms.Form):
    """Up to three alternatives, each with the quantified impact of choosing it."""

    def __init__(self, *args: Any, options: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = list(options or [])
        self.chosen = [bool(option.get("chosen")) for option in options]
        for i in range(MAX_OPTIONS):
            option = options[i] if i < len(options) else {}
            self.fields[f"title_{i}"] = forms.CharField(
                label=_("Option %(n)s") % {"n": i + 1},
                max_length=200,
                required=False,
                initial=option.get("title", ""),
            )
            self.fields[f"impact_{i}"] = forms.CharField(
                label=_("Quantified impact of option %(n)s") % {"n": i + 1},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                initial=option.get("impact", ""),
                help_text=_(
                    "In numbers: weeks of delay, € or % of revenue at stake, incidents avoided, points of velocity."
                ),
            )

    def rows(self) -> list[tuple[int, Any, Any]]:
        return [(i + 1, self[f"title_{i}"], self[f"impact_{i}"]) for i in range(MAX_OPTIONS)]

    def options(self) -> list[dict[str, Any]]:
        rows = []
        for i in range(MAX_OPTIONS):
            title, impact = self.cleaned_data[f"title_{i}"].strip(), self.cleaned_data[f"impact_{i}"].strip()
            if title or impact:
                rows.append(
                    {"title": title, "impact": impact, "chosen": i < len(self.chosen) and self.chosen[i]}
                )
        return rows


class ChooseForm(forms.Form):
    choice = forms.TypedChoiceField(label=_("The option we go with"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, options: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(i, option.get("title", "")) for i, option in enumerate(options)]  # type: ignore[attr-defined]
        chosen = [i for i, option in enumerate(options) if option.get("chosen")]
        if chosen:
            self.fields["choice"].initial = chosen[0]


class PivotTestForm(forms.Form):
    success_criteria = forms.CharField(
        label=_("Success criteria of the chosen option"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_(
            "How you will know the choice worked: a business metric and a technical metric, each with a target and a date to check it."
        ),
    )


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Held at"), widget=DateTimeLocalInput(), initial=now_local)
    step = forms.ChoiceField(label=_("Step reached"), choices=list(STEPS.items()))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What was decided, in a sentence or two both sides would sign."),
    )


class EscalateConflictForm(forms.Form):
    context = forms.CharField(
        label=_("What the deciders need to know"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "Where PIVOT got stuck and the decision you need. The conflict's facts and options go with it."
        ),
    )


class EscalationFromItemForm(forms.Form):
    title = forms.CharField(label=_("What needs deciding?"), max_length=300)
    category = CategoryField(
        label=_("What is it about?"),
        required=False,
        help_text=_("The category sets the level by the escalation matrix."),
    )
    level = forms.TypedChoiceField(
        label=_("Level (when no category fits)"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("From the category"))] + [(level, title) for level, title in LEVEL_TITLES.items()],
    )
    context = forms.CharField(label=_("Context"), widget=forms.Textarea(attrs={"rows": 5}), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("category") and not data.get("level"):
            self.add_error("category", _("Choose what the escalation is about, or its level."))
        return data


class DecideForm(forms.Form):
    decision = forms.CharField(
        label=_("Decision"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "It goes back to where the escalation came from: the conflict page, or the sync of the item."
        ),
    )
