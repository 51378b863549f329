"""The spec's editors, one per phase, usable without JavaScript: plain forms and formsets with a
fixed number of rows (blank rows are ignored; save to get more). Each editor carries the spec
`version` it was read at and a signed copy of the values it showed (`base`), so a stale save is
refused and the page can show what the other person changed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from collab.features.specfields import (
    CONSTRAINT_KINDS,
    CONTEXT_FIELDS,
    CRITERION_KINDS,
    INVEST_FIELDS,
    INVEST_ITEMS,
    INVEST_KEYS,
    ROW_TEXT_MAX,
    SOLUTION_FIELDS,
    SPEC_TEXT_MAX,
    normalise,
)
from collab.models import AlignmentSession, Membership, Spec, SpecRevision

PHASES = ("context", "solution", "invest")
PHASE_FIELDS = {"context": CONTEXT_FIELDS, "solution": SOLUTION_FIELDS, "invest": INVEST_FIELDS}
BASE_SALT = "collab.features.spec-base"
EARLIEST_YEAR = 2000


class ContextForm(forms.Form):
    business_driver_kind = forms.ChoiceField(
        label=_("Business driver"),
        required=False,
        choices=[("", "—"), *Spec.Driver.choices],
        help_text=_("What the business gains: revenue, fewer customers leaving, an edge on competitors."),
    )
    business_driver_description = forms.CharField(
        label=_("Why it matters"),
        required=False,
        max_length=SPEC_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expected_impact = forms.CharField(
        label=_("Expected impact"),
        required=False,
        max_length=300,
        help_text=_(
            "Quantified, e.g. “checkout conversion up 2 points” or “churn on annual plans down by 15 percent”."
        ),
    )


class SolutionForm(forms.Form):
    user_journey = forms.CharField(
        label=_("User journey"),
        required=False,
        max_length=SPEC_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Presented by the PM: who does what, step by step."),
    )
    business_value = forms.CharField(
        label=_("Business value"),
        required=False,
        max_length=SPEC_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    solution = forms.CharField(
        label=_("Co-created solution"),
        required=False,
        max_length=SPEC_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Written together once an option is chosen."),
    )


class InvestForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label, help_text in INVEST_ITEMS:
            self.fields[key] = forms.BooleanField(label=label, help_text=help_text, required=False)


class _RowForm(forms.Form):
    """A list row: every field optional; a fully blank row is dropped, a half-filled one is an error."""

    content_fields: tuple[str, ...] = ()
    required_when_filled: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any((data.get(n) or "").strip() for n in self.content_fields):
            for name in self.required_when_filled:
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Fill this in, or clear the row."))
        return data


class ConstraintForm(_RowForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CONSTRAINT_KINDS, required=False)
    description = forms.CharField(
        label=_("Constraint"), required=False, max_length=ROW_TEXT_MAX["description"]
    )
    content_fields = ("description",)


class CriterionForm(_RowForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CRITERION_KINDS, required=False)
    metric = forms.CharField(label=_("Metric"), required=False, max_length=ROW_TEXT_MAX["metric"])
    target = forms.CharField(label=_("Target"), required=False, max_length=ROW_TEXT_MAX["target"])
    content_fields = ("metric", "target")
    required_when_filled = ("metric",)


class OptionForm(_RowForm):
    title = forms.CharField(label=_("Option"), required=False, max_length=ROW_TEXT_MAX["title"])
    tradeoffs = forms.CharField(
        label=_("Trade-offs"),
        required=False,
        max_length=ROW_TEXT_MAX["tradeoffs"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    chosen = forms.BooleanField(label=_("Chosen"), required=False)
    content_fields = ("title", "tradeoffs")
    required_when_filled = ("title",)


class _ListFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict[str, Any]]:
        out = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or (self.can_delete and form.cleaned_data.get("DELETE")):
                continue
            out.append({k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
        return out


class _OptionFormSet(_ListFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        chosen = sum(1 for row in self.rows() if row.get("chosen") and (row.get("title") or "").strip())
        if chosen > 1:
            raise forms.ValidationError(_("Mark only one option as chosen (%(n)s are).") % {"n": chosen})


LISTS = {
    # field: (prefix, form, formset base, minimum rows shown, maximum rows)
    "technical_constraints": ("tc", ConstraintForm, _ListFormSet, 3, 12),
    "success_criteria": ("sc", CriterionForm, _ListFormSet, 3, 12),
    "options": ("opt", OptionForm, _OptionFormSet, 3, 3),
}


def _formset(name: str, rows: list[dict[str, Any]], data: Any = None) -> forms.BaseFormSet:
    prefix, form, base, minimum, maximum = LISTS[name]
    extra = max(minimum - len(rows), 1 if len(rows) < maximum else 0)
    factory = formset_factory(
        form,
        formset=base,
        extra=extra,
        can_delete=name != "options",
        max_num=maximum,
        validate_max=True,
        absolute_max=maximum + 2,
    )
    return factory(data, initial=rows, prefix=prefix)


class RevisionKindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of change"),
        required=False,
        choices=[("", _("Let the app propose it")), *SpecRevision.Kind.choices],
        help_text=_(
            "Rework when the business driver, expected impact, constraints, success criteria, user "
            "journey, options or solution change; clarification for wording (why it matters, business "
            "value) and the INVEST checklist. Choosing against the proposal needs a reason."
        ),
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SpecEditor:
    """The form(s) of one phase of the spec, with the version and base they were read at."""

    def __init__(
        self,
        phase: str,
        spec: Spec,
        data: Any = None,
        *,
        initial: dict[str, Any] | None = None,
        version: int | None = None,
        base_values: dict[str, Any] | None = None,
    ) -> None:
        assert phase in PHASES
        self.phase, self.spec, self.data = phase, spec, data
        values = (
            initial
            if initial is not None
            else {n: normalise(n, getattr(spec, n)) for n in PHASE_FIELDS[phase]}
        )
        self.version = spec.version if version is None else version
        self.meta = forms.Form(data)
        self.meta.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=self.version)
        self.meta.fields["base"] = forms.CharField(
            widget=forms.HiddenInput,
            required=False,
            initial=signing.dumps(
                base_values if base_values is not None else values, salt=BASE_SALT, compress=True
            ),
        )
        self.formsets: dict[str, forms.BaseFormSet] = {}
        if phase == "context":
            self.form: forms.Form = ContextForm(data, initial=values)
            self.formsets = {
                n: _formset(n, values.get(n) or [], data)
                for n in ("technical_constraints", "success_criteria")
            }
        elif phase == "solution":
            self.form = SolutionForm(data, initial=values)
            self.formsets = {"options": _formset("options", values.get("options") or [], data)}
        else:
            self.form = InvestForm(data, initial=values.get("invest") or {})
        self.kind_form = RevisionKindForm(data) if spec.aligned_at is not None else None

    @property
    def constraints(self) -> forms.BaseFormSet | None:
        return self.formsets.get("technical_constraints")

    @property
    def criteria(self) -> forms.BaseFormSet | None:
        return self.formsets.get("success_criteria")

    @property
    def options(self) -> forms.BaseFormSet | None:
        return self.formsets.get("options")

    def is_valid(self) -> bool:
        parts: list[Any] = [self.meta, self.form, *self.formsets.values()] + (
            [self.kind_form] if self.kind_form else []
        )
        return all([part.is_valid() for part in parts])  # every part, so every error shows

    @property
    def expected_version(self) -> int:
        return self.meta.cleaned_data["version"]

    @property
    def base(self) -> dict[str, Any] | None:
        try:
            return signing.loads(self.meta.cleaned_data.get("base") or "", salt=BASE_SALT)
        except signing.BadSignature:
            return None

    @property
    def kind(self) -> str | None:
        return (self.kind_form.cleaned_data.get("kind") or None) if self.kind_form else None

    @property
    def reason(self) -> str:
        return self.kind_form.cleaned_data.get("reason", "") if self.kind_form else ""

    def fields(self) -> dict[str, Any]:
        """The submitted values, by spec field name."""
        if self.phase == "invest":
            return {"invest": {key: bool(self.form.cleaned_data.get(key)) for key in INVEST_KEYS}}
        values = {
            n: self.form.cleaned_data.get(n, "") for n in PHASE_FIELDS[self.phase] if n in self.form.fields
        }
        for name, formset in self.formsets.items():
            values[name] = normalise(name, formset.rows())  # type: ignore[attr-defined]
        return values

    @property
    def seen(self) -> dict[str, Any] | None:
        """The values this editor showed (its signed base), or None when it cannot be trusted."""
        if "version" in self.meta.errors:
            return None
        return self.base

    def savable(self) -> tuple[dict[str, Any], list[str], list[str]]:
        """After `is_valid()`, what can be saved as you type: (values by spec field, the error
        messages of what cannot, the form-name prefixes of what cannot). A half-filled row is saved
        as typed (finishing it is checked when the spec is aligned); a value past its limit or two
        chosen options are not saved and stay in the browser."""
        values: dict[str, Any] = {}
        errors: list[str] = []
        unsaved: list[str] = []
        if self.phase == "invest":
            return (self.fields(), [], []) if self.form.is_valid() else ({}, self._messages(self.form), [""])
        for name in PHASE_FIELDS[self.phase]:
            if name in self.form.fields:
                if name in self.form.errors:
                    errors += [f"{self.form.fields[name].label}: {e}" for e in self.form.errors[name]]
                    unsaved.append(self.form.add_prefix(name))
                else:
                    values[name] = self.form.cleaned_data.get(name, "")
        for name, formset in self.formsets.items():
            row_only = all(
                field in form.required_when_filled for form in formset.forms for field in form.errors
            )
            if formset.non_form_errors() or not row_only:
                errors += [str(e) for e in formset.non_form_errors()]
                errors += [e for form in formset.forms for e in self._messages(form)]
                unsaved.append(f"{formset.prefix}-")
            else:
                values[name] = normalise(name, formset.rows())  # type: ignore[attr-defined]
        return values, errors, unsaved

    @staticmethod
    def _messages(form: forms.Form) -> list[str]:
        return [str(e) for errors in form.errors.values() for e in errors]

    def add_errors(self, errors: dict[str, list[str]] | list[str]) -> None:
        if isinstance(errors, list):
            self.form.add_error(None, errors)
            return
        for name, messages in errors.items():
            if name in self.form.fields:
                self.form.add_error(name, messages)
            elif name in self.formsets:
                self.form.add_error(None, messages)
            elif self.kind_form is not None and name in self.kind_form.fields:
                self.kind_form.add_error(name, messages)
            else:
                self.form.add_error(None, messages)


def merge_after_conflict(
    mine: dict[str, Any], base: dict[str, Any] | None, theirs: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Three-way merge per field: what only one side changed is kept; when both changed a field,
    yours is kept in the form and the field is reported so you can compare."""
    merged, both = {}, []
    for name, value in mine.items():
        mine_n, theirs_n = normalise(name, value), theirs.get(name)
        base_n = normalise(name, base.get(name)) if base is not None and name in base else None
        if base is None:
            merged[name] = mine_n
            if mine_n != theirs_n:
                both.append(name)
        elif mine_n == base_n:
            merged[name] = theirs_n
        elif theirs_n in (base_n, mine_n):
            merged[name] = mine_n
        else:
            merged[name] = mine_n
            both.append(name)
    return merged, both


# --- Sessions ------------------------------------------------------------------------------------


class SessionEndForm(forms.Form):
    attendees = forms.ModelMultipleChoiceField(
        label=_("Who attended"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick who attended: at least the PM and the tech lead.")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=AlignmentSession.Outcome.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attendees"]
        field.queryset = people  # type: ignore[attr-defined]
        field.label_from_instance = lambda m: str(m.user)  # type: ignore[attr-defined]


class SessionRecordForm(SessionEndForm):
    """A session held elsewhere (outside the guided mode)."""

    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    phase = forms.ChoiceField(label=_("Phase reached"), choices=AlignmentSession.Phase.choices)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=600, required=False
    )

    field_order = ("held_at", "phase", "duration_minutes", "attendees", "outcome", "notes")

    def clean_held_at(self) -> Any:
        value = self.cleaned_data["held_at"]
        # Far from the ends of the calendar, where converting to UTC overflows in PostgreSQL.
        if value is not None and value.year < EARLIEST_YEAR:
            raise forms.ValidationError(
                _("Enter a date after the year %(first)s.") % {"first": EARLIEST_YEAR}
            )
        return value
