"""Forms: a decision to present, a tech win and its product review, a user interview, the targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.models import Feature, Membership, Organisation, Team
from delivery.models import Deployment
from productops.models import FeedbackItem
from rituals.leadership.records import TECH_KINDS
from rituals.leadership.selectors import Candidate

# The choices stay short: recent production deployments and feedback only.
RECENT_DEPLOYMENTS = dt.timedelta(days=180)
RECENT_FEEDBACK = dt.timedelta(days=365)
MIN_DATE, MAX_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.get_full_name() or obj.user.email} · {obj.get_role_display()}"


class MembersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.get_full_name() or obj.user.email} · {obj.get_role_display()}"


class FeatureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.title}"


class FeaturesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.title}"


class DeploymentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.team.name} · {obj.finished_at:%Y-%m-%d}"


class FeedbackField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.received_on:%Y-%m-%d} · {obj.text[:80]}"


def _members(org: Organisation) -> Any:
    return (
        Membership.objects.filter(org=org, is_active=True).select_related("user").order_by("user__name", "id")
    )


def _check_date(value: dt.date | None) -> dt.date | None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise forms.ValidationError(_("Enter a date between 2000 and 2100."))
    return value


class ReviewDecisionForm(forms.Form):
    source = forms.ChoiceField(label=_("From"), required=False)
    title = forms.CharField(
        label=_("Decision to present"),
        max_length=300,
        required=False,
        help_text=_("Leave it empty to take the title of the record chosen above."),
    )
    context = forms.CharField(label=_("Context"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    product_presenter = MemberChoiceField(
        label=_("Product presenter"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )
    tech_presenter = MemberChoiceField(
        label=_("Tech presenter"), queryset=Membership.objects.none(), required=False, empty_label=_("Nobody")
    )
    minutes = forms.IntegerField(label=_("Time box (minutes)"), min_value=1, max_value=120, initial=10)

    def __init__(
        self,
        *args: Any,
        org: Organisation,
        candidates: dict[str, list[Candidate]],
        presenters: tuple[Membership | None, Membership | None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        groups: list[Any] = [("", _("A new decision"))]
        labels = {
            "decision": _("Decisions of syncs"),
            "escalation": _("Open escalations"),
            "conflict": _("Open conflicts"),
        }
        for kind, label in labels.items():
            if candidates.get(kind):
                groups.append((label, [(c.value, c.label) for c in candidates[kind]]))
        self.fields["source"].choices = groups  # type: ignore[attr-defined]
        members = _members(org)
        self.fields["product_presenter"].queryset = members  # type: ignore[attr-defined]
        self.fields["tech_presenter"].queryset = members  # type: ignore[attr-defined]
        self.initial.setdefault("product_presenter", presenters[0].pk if presenters[0] else None)
        self.initial.setdefault("tech_presenter", presenters[1].pk if presenters[1] else None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("source") and not (data.get("title") or "").strip() and "title" not in self.errors:
            self.add_error("title", _("Say which decision is presented, or choose one above."))
        return data


class TechWinForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    feature = FeatureChoiceField(
        label=_("Tech-debt or platform feature"), queryset=Feature.objects.none(), required=False
    )
    deployment = DeploymentChoiceField(
        label=_("Deployment"), queryset=Deployment.objects.none(), required=False
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    metric = forms.CharField(
        label=_("Business metric"), max_length=120, help_text=_("For example: checkout conversion rate.")
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=20, required=False, help_text=_("For example: %, s, €.")
    )
    before = forms.DecimalField(label=_("Before"), max_digits=14, decimal_places=3)
    after = forms.DecimalField(label=_("After"), max_digits=14, decimal_places=3)
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    story = forms.CharField(
        label=_("Story for executives"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Two or three sentences a CEO reads in a minute: what changed, what it did for the business. "
            "Glossary terms are explained to readers."
        ),
    )

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feature"].queryset = (  # type: ignore[attr-defined]
            Feature.objects.filter(team__org=org, kind__in=TECH_KINDS).select_related("team").order_by("key")
        )
        self.fields["deployment"].queryset = (  # type: ignore[attr-defined]
            Deployment.objects.filter(
                org=org, environment="production", finished_at__gte=timezone.now() - RECENT_DEPLOYMENTS
            )
            .select_related("team")
            .order_by("-finished_at", "-id")
        )
        self.fields["team"].queryset = Team.objects.filter(org=org).order_by("name")  # type: ignore[attr-defined]

    def clean_period_start(self) -> dt.date | None:
        return _check_date(self.cleaned_data.get("period_start"))

    def clean_period_end(self) -> dt.date | None:
        return _check_date(self.cleaned_data.get("period_end"))


class TechWinReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Review"), choices=[("share", _("Share it")), ("changes", _("Send it back with changes"))]
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class InterviewForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), empty_label=_("Choose…"))
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    customer = forms.CharField(label=_("Customer or segment"), max_length=200)
    members = MembersField(
        label=_("Who attended from the organisation"),
        queryset=Membership.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Each attends with their role; an engineer or a tech lead makes the interview count."),
    )
    customers = forms.CharField(
        label=_("Who attended on the customer's side"),
        max_length=500,
        required=False,
        help_text=_("Names, separated by commas."),
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    feedback_items = FeedbackField(
        label=_("Linked feedback"), queryset=FeedbackItem.objects.none(), required=False
    )
    features = FeaturesField(label=_("Linked features"), queryset=Feature.objects.none(), required=False)

    def __init__(self, *args: Any, org: Organisation, linked: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(org=org).order_by("name")  # type: ignore[attr-defined]
        self.fields["members"].queryset = _members(org)  # type: ignore[attr-defined]
        # Recent feedback, and what the interview already links (an edit keeps older links).
        recent = Q(received_on__gte=timezone.localdate() - RECENT_FEEDBACK) | Q(pk__in=linked or [])
        self.fields["feedback_items"].queryset = (  # type: ignore[attr-defined]
            FeedbackItem.objects.filter(recent, org=org).order_by("-received_on", "-id")
        )
        self.fields["features"].queryset = Feature.objects.filter(team__org=org).order_by("key")  # type: ignore[attr-defined]

    def clean_held_on(self) -> dt.date | None:
        return _check_date(self.cleaned_data.get("held_on"))

    def customer_names(self) -> list[str]:
        return [n.strip() for n in (self.cleaned_data.get("customers") or "").split(",") if n.strip()][:20]


class LeadershipTargetsForm(forms.Form):
    speaking_share_min = forms.IntegerField(
        label=_("Minimum speaking share of each side (%)"),
        min_value=0,
        max_value=50,
        help_text=_("40 means each side speaks between 40 % and 60 % of a decision review."),
    )
    interview_engineer_share = forms.IntegerField(
        label=_("Interviews with an engineer or a tech lead (target, %)"), min_value=0, max_value=100
    )
