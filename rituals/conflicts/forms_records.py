"""Forms for obstacles, 1:1 notes and post-mortems."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collab.models import Feature, Membership, Organisation, Team
from delivery.models import Incident
from rituals.conflicts import selectors
from rituals.conflicts.forms import DateTimeLocalInput, now_local
from rituals.models import Obstacle, OneOnOne, PostMortem


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.get_full_name()} · {obj.get_role_display()}"


class ObstacleForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), empty_label=_("Choose…"))
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Choose…")), *Obstacle.Kind.choices])
    title = forms.CharField(label=_("What is in the way?"), max_length=300)
    description = forms.CharField(
        label=_("Details"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Who or what the team waits for, since when, and what it blocks."),
    )
    owner = MembershipChoiceField(
        label=_("Owner"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
        help_text=_("The person who chases it until it's removed."),
    )

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.teams_of(org=org)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = selectors.people_of(org=org)  # type: ignore[attr-defined]


class ObstacleResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("How was it removed?"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ObstacleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.title} ({obj.team.name})"


class OneOnOneForm(forms.Form):
    leader = MembershipChoiceField(
        label=_("Product leader"), queryset=Membership.objects.none(), empty_label=_("Choose…")
    )
    pm = MembershipChoiceField(
        label=_("Product manager"), queryset=Membership.objects.none(), empty_label=_("Choose…")
    )
    held_at = forms.DateTimeField(label=_("Held at"), widget=DateTimeLocalInput(), initial=now_local)
    obstacles = ObstacleChoiceField(
        label=_("Obstacles discussed"),
        queryset=Obstacle.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Open obstacles of the organisation. Add a new one below."),
    )
    new_obstacle_title = forms.CharField(label=_("New obstacle"), max_length=300, required=False)
    new_obstacle_kind = forms.ChoiceField(
        label=_("Its kind"), choices=[("", _("Choose…")), *Obstacle.Kind.choices], required=False
    )
    new_obstacle_team = forms.ModelChoiceField(
        label=_("Its team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Choose…"),
    )
    learnings = forms.CharField(
        label=_("Learnings"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What the PM discovered that other teams should hear about."),
    )
    follow_ups = forms.CharField(
        label=_("Follow-ups"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Who the leader talks to, what help was promised, by when."),
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(
        self, *args: Any, org: Organisation, instance: OneOnOne | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = selectors.one_on_one_leaders(org=org)  # type: ignore[attr-defined]
        self.fields["pm"].queryset = selectors.one_on_one_pms(org=org)  # type: ignore[attr-defined]
        obstacles = selectors.obstacles_of(org=org).filter(resolved_at__isnull=True)
        if instance is not None:
            # The pair is fixed once written; resolved obstacles discussed then stay listed.
            del self.fields["leader"], self.fields["pm"]
            obstacles = selectors.obstacles_of(org=org).filter(
                Q(resolved_at__isnull=True) | Q(pk__in=instance.obstacles.values("pk"))
            )
        self.fields["obstacles"].queryset = obstacles.order_by("team__name", "opened_at")  # type: ignore[attr-defined]
        self.fields["new_obstacle_team"].queryset = selectors.teams_of(org=org)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_obstacle_title"):
            if not data.get("new_obstacle_kind"):
                self.add_error("new_obstacle_kind", _("Choose the kind of the new obstacle."))
            if not data.get("new_obstacle_team"):
                self.add_error("new_obstacle_team", _("Choose the team it blocks."))
        return data


class PostMortemForm(forms.Form):
    kind = forms.ChoiceField(label=_("About"), choices=PostMortem.Kind.choices, widget=forms.RadioSelect)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), empty_label=_("Choose…"))
    incident = forms.ModelChoiceField(
        label=_("Incident"), queryset=Incident.objects.none(), required=False, empty_label=_("Choose…")
    )
    feature = forms.ModelChoiceField(
        label=_("Delayed feature"), queryset=Feature.objects.none(), required=False, empty_label=_("Choose…")
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    held_at = forms.DateTimeField(label=_("Held at"), widget=DateTimeLocalInput(), required=False)
    summary = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("Facts and impact on users, not names: this is a blameless review."),
    )
    causes = forms.CharField(
        label=_("Contributing causes"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "Conditions in the system, the process and the plan that made it possible. Ask “how”, not “who”."
        ),
    )
    learnings = forms.CharField(
        label=_("What went well, what we learned"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )

    def __init__(self, *args: Any, org: Organisation, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"], self.fields["team"], self.fields["incident"], self.fields["feature"]
            return
        self.fields["team"].queryset = selectors.teams_of(org=org)  # type: ignore[attr-defined]
        self.fields["incident"].queryset = selectors.incidents_of(org=org)  # type: ignore[attr-defined]
        self.fields["feature"].queryset = selectors.features_of(org=org)  # type: ignore[attr-defined]


class TimelineRowForm(forms.Form):
    at = forms.DateTimeField(label=_("When"), widget=DateTimeLocalInput(), required=False)
    text = forms.CharField(label=_("What happened"), max_length=500, required=False)


class ActionRowForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300, required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    done = forms.BooleanField(label=_("Done"), required=False)

    def __init__(self, *args: Any, owners: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Nobody yet")), *(owners or [])]  # type: ignore[attr-defined]


TimelineFormSet = forms.formset_factory(TimelineRowForm, extra=3)
ActionFormSet = forms.formset_factory(ActionRowForm, extra=2)
