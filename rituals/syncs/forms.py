"""Forms of the syncs pages. Querysets are narrowed to the caller's organisation and team."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab.models import Feature, Membership, Organisation, Team
from collab.permissions import CAPABILITIES, Cap
from rituals.models import Ritual, RitualTemplate, SyncSchedule, SyncSection, TemplateSection
from rituals.syncs.services.templates import MAX_MINUTES, MIN_MINUTES, SectionInput

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


# Dates people may type: far enough either way for any real sync or action, and far from the ends of
# the calendar, where time-zone conversion and date arithmetic overflow.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _check_year(value: date | None) -> None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            gettext("Enter a date between the years %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            code="out_of_range",
        )


class BoundedDateTimeField(forms.DateTimeField):
    def to_python(self, value: Any) -> datetime | None:
        result = super().to_python(value)
        _check_year(result)
        return result


class BoundedDateField(forms.DateField):
    def to_python(self, value: Any) -> date | None:
        result = super().to_python(value)
        _check_year(result)
        return result


def _person(m: Membership) -> str:
    return m.user.name or m.user.email


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


class FeatureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.title}"


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return gettext(obj.name)


def _members(org: Organisation, team: Team | None) -> Any:
    qs = (
        Membership.objects.filter(org=org, is_active=True)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    return qs.filter(team_memberships__team=team) if team is not None else qs


# --- Templates -----------------------------------------------------------------------------------


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SectionForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=120)
    planned_minutes = forms.IntegerField(
        label=_("Time box (minutes)"),
        min_value=MIN_MINUTES,
        max_value=MAX_MINUTES,
        error_messages={
            "min_value": _("A time box is at least 1 minute."),
            "max_value": _("A time box is at most 120 minutes."),
            "invalid": _("Enter a whole number of minutes."),
        },
        widget=forms.NumberInput(attrs={"min": MIN_MINUTES, "max": MAX_MINUTES, "class": "input-minutes"}),
    )
    prompts = forms.CharField(
        label=_("Prompts"),
        required=False,
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BaseSectionFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].label = _("Position")
            form.fields["ORDER"].widget.attrs.update({"min": 1, "class": "input-position"})
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this section")

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError(gettext("A template needs at least one section."))


SectionFormSet = forms.formset_factory(
    SectionForm, formset=BaseSectionFormSet, extra=1, can_order=True, can_delete=True, max_num=30
)


def section_initial(sections: list[TemplateSection]) -> list[dict[str, Any]]:
    """Form values in the reader's language: stored msgids (defaults) are shown translated."""
    return [
        {
            "id": s.pk,
            "title": gettext(s.title) if s.title else "",
            "planned_minutes": s.planned_minutes,
            "prompts": "\n".join(gettext(p) for p in s.prompts if p),
            "ORDER": index + 1,
        }
        for index, s in enumerate(sections)
    ]


def _keep_msgid(typed: str, stored: list[str]) -> str:
    """If the reader left a default untouched (it shows translated), keep the msgid so it stays
    bilingual; anything else is stored as typed."""
    for original in stored:
        if original and typed == gettext(original):
            return original
    return typed


def sections_from_formset(formset: Any, existing: list[TemplateSection]) -> list[SectionInput]:
    by_id = {s.pk: s for s in existing}
    result: list[SectionInput] = []
    for form in formset.ordered_forms if formset.can_order else formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        original = by_id.get(data.get("id") or -1)
        lines = [line.strip() for line in (data.get("prompts") or "").splitlines() if line.strip()]
        if original is not None:
            title = _keep_msgid(data["title"].strip(), [original.title])
            lines = [_keep_msgid(line, list(original.prompts)) for line in lines]
        else:
            title = data["title"].strip()
        result.append(
            SectionInput(
                id=original.pk if original else None,
                title=title,
                planned_minutes=data["planned_minutes"],
                prompts=lines,
            )
        )
    return result


# --- Schedules -----------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    ritual = forms.ChoiceField(label=_("Ritual"), choices=Ritual.choices, initial=Ritual.DRIVE)
    weekday = forms.TypedChoiceField(label=_("Day"), choices=WEEKDAYS, coerce=int, initial=0)
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    facilitator = PersonChoiceField(
        label=_("Facilitator"),
        queryset=Membership.objects.none(),
        help_text=_("A member of the team who runs the sync; the role can be handed over at each sync."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self, *args: Any, org: Organisation, schedule: SyncSchedule | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(org=org).order_by("name")  # type: ignore[attr-defined]
        facilitator = self.fields["facilitator"]
        assert isinstance(facilitator, forms.ModelChoiceField)
        facilitator.queryset = (
            _members(org, schedule.team if schedule else None)
            .filter(role__in=CAPABILITIES[Cap.FACILITATE])
            .distinct()
        )
        if schedule is not None:
            # Team and ritual identify the schedule (and its feed); they do not change.
            del self.fields["team"]
            del self.fields["ritual"]
        else:
            del self.fields["active"]


# --- Syncs ---------------------------------------------------------------------------------------


class SyncCreateForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    template = TemplateChoiceField(label=_("Ritual"), queryset=RitualTemplate.objects.none())
    scheduled_at = BoundedDateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    facilitator = PersonChoiceField(label=_("Facilitator"), queryset=Membership.objects.none())

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(org=org).order_by("name")  # type: ignore[attr-defined]
        template = self.fields["template"]
        assert isinstance(template, forms.ModelChoiceField)
        template.queryset = RitualTemplate.objects.filter(org=org).order_by("id")
        facilitator = self.fields["facilitator"]
        assert isinstance(facilitator, forms.ModelChoiceField)
        facilitator.queryset = _members(org, None).filter(role__in=CAPABILITIES[Cap.FACILITATE])
        # A leadership decision review is for the whole organisation; every other ritual has a team.
        self.fields["team"].required = False
        self.fields["team"].help_text = _(
            "Leave it empty for a leadership decision review of the whole organisation."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        template = data.get("template")
        needs_team = template is not None and template.ritual != Ritual.DECISION_REVIEW
        if needs_team and data.get("team") is None and "team" not in self.errors:
            self.add_error("team", _("Choose the team of this sync."))
        return data


class _SectionChoiceMixin:
    def _setup_section(self, sections: list[SyncSection], current: SyncSection | None) -> None:
        field = self.fields["section"]  # type: ignore[attr-defined]
        field.choices = [(s.pk, gettext(s.title) if s.title else s.code) for s in sections]
        if current is not None and not self.is_bound:  # type: ignore[attr-defined]
            field.initial = current.pk
        self._sections = {s.pk: s for s in sections}

    def clean_section(self) -> SyncSection:
        value = self.cleaned_data["section"]  # type: ignore[attr-defined]
        try:
            return self._sections[int(value)]
        except (KeyError, ValueError, TypeError):
            raise ValidationError(gettext("Choose a section of this sync.")) from None


class ItemForm(_SectionChoiceMixin, forms.Form):
    section = forms.ChoiceField(label=_("Section"))
    title = forms.CharField(label=_("Item"), max_length=300)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self, *args: Any, sections: list[SyncSection], current: SyncSection | None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", "item")
        super().__init__(*args, **kwargs)
        self._setup_section(sections, current)


class DecisionForm(_SectionChoiceMixin, forms.Form):
    section = forms.ChoiceField(label=_("Section"))
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    feature = forms.ModelChoiceField(
        label=_("Feature (optional)"), queryset=Feature.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        sections: list[SyncSection],
        current: SyncSection | None,
        features: Any,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", "decision")
        super().__init__(*args, **kwargs)
        self._setup_section(sections, current)
        feature = self.fields["feature"]
        assert isinstance(feature, forms.ModelChoiceField)
        feature.queryset = features


class ActionItemForm(_SectionChoiceMixin, forms.Form):
    section = forms.ChoiceField(label=_("Section"))
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = PersonChoiceField(label=_("Owner"), queryset=Membership.objects.none())
    due = BoundedDateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self,
        *args: Any,
        sections: list[SyncSection],
        current: SyncSection | None,
        owners: Any,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", "action")
        super().__init__(*args, **kwargs)
        self._setup_section(sections, current)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = owners


class HandoffForm(forms.Form):
    membership = PersonChoiceField(label=_("New facilitator"), queryset=Membership.objects.none())

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = members


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Closing note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PulseForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How well did product and tech work together this week?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score from 1 to 5.")},
    )
