"""Product Ops standards: the organisation's experiment template, pre-registered A/B experiments
linked to features, and the visible revisions of an experiment's plan after it started."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collab.models import AcceptanceReview, Feature, Membership, Organisation, Team


class ExperimentTemplate(models.Model):
    """What every new experiment of the organisation starts from."""

    org = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="experiment_template")
    # Items are gettext msgids for the defaults (translated on display) or what the organisation typed.
    checklist = models.JSONField(_("pre-launch checklist"), default=list, blank=True)
    guardrail_metrics = models.JSONField(_("guardrail metrics"), default=list, blank=True)
    alpha = models.FloatField(
        _("significance level (alpha)"),
        default=0.05,
        validators=[MinValueValidator(0.001), MaxValueValidator(0.2)],
    )
    power = models.FloatField(
        _("power"), default=0.8, validators=[MinValueValidator(0.5), MaxValueValidator(0.99)]
    )

    class Meta:
        verbose_name = _("experiment template")
        verbose_name_plural = _("experiment templates")

    def __str__(self) -> str:
        return f"{self.org} experiment template"


class Experiment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        ANALYSED = "analysed", _("Analysed")
        STOPPED = "stopped", _("Stopped")

    class Verdict(models.TextChoices):
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        INCONCLUSIVE = "inconclusive", _("Inconclusive")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="experiments")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="experiments")
    title = models.CharField(_("title"), max_length=200)
    hypothesis = models.TextField(_("hypothesis"))
    primary_metric = models.CharField(_("primary metric (a conversion)"), max_length=200)
    guardrail_metrics = models.JSONField(_("guardrail metrics"), default=list, blank=True)
    # [{"name": "control", "share": 50}, ...]; the first variant is the control.
    variants = models.JSONField(_("variants and planned split"), default=list)
    baseline_rate = models.FloatField(
        _("expected control conversion rate"), validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    mde = models.FloatField(
        _("minimum detectable effect"), validators=[MinValueValidator(0.0001), MaxValueValidator(0.9999)]
    )
    daily_traffic = models.PositiveIntegerField(_("users a day"), validators=[MinValueValidator(1)])
    sample_size_per_variant = models.PositiveIntegerField(null=True, blank=True, editable=False)
    expected_days = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The pre-registered decision rule.
    alpha = models.FloatField(
        _("significance level (alpha)"),
        default=0.05,
        validators=[MinValueValidator(0.001), MaxValueValidator(0.2)],
    )
    power = models.FloatField(
        _("power"), default=0.8, validators=[MinValueValidator(0.5), MaxValueValidator(0.99)]
    )
    min_lift = models.FloatField(_("minimum lift to call a win"), default=0.0)
    # [{"item": str, "done": bool}]
    checklist = models.JSONField(_("pre-launch checklist"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices, blank=True)
    # [{"name", "users", "conversions"}] as recorded, and the analysis of them (stats.Analysis as a dict).
    results = models.JSONField(default=list, blank=True)
    guardrails_breached = models.JSONField(default=list, blank=True)
    analysis = models.JSONField(null=True, blank=True)
    stop_reason = models.TextField(_("why it stopped"), blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    results_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status="analysed") | Q(verdict=""), name="experiment_verdict_only_when_analysed"
            ),
            models.CheckConstraint(
                condition=~Q(status="analysed") | ~Q(verdict=""), name="experiment_analysed_has_verdict"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def variant_names(self) -> list[str]:
        return [v["name"] for v in self.variants]

    @property
    def split(self) -> list[float]:
        return [float(v["share"]) for v in self.variants]

    @property
    def is_locked(self) -> bool:
        """The plan was fixed when the experiment started: later edits are revisions."""
        return self.status != self.Status.DRAFT


class ExperimentRevision(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="revisions")
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    # {field: {"old": ..., "new": ...}}
    changes = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("experiment revision")
        verbose_name_plural = _("experiment revisions")
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.experiment_id} · {self.at:%Y-%m-%d}"


class FeedbackItem(models.Model):
    """What a customer said, logged by hand or imported from CSV, then triaged: linked to a
    feature, merged into another item it duplicates, or dismissed with a reason."""

    class Source(models.TextChoices):
        SUPPORT = "support", _("Support")
        SALES = "sales", _("Sales")
        INTERVIEW = "interview", _("Interview")
        SURVEY = "survey", _("Survey")
        IN_APP = "in_app", _("In-app")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        UNTRIAGED = "untriaged", _("Untriaged")
        LINKED = "linked", _("Linked")
        DISMISSED = "dismissed", _("Dismissed")
        MERGED = "merged", _("Merged")

    class Via(models.TextChoices):
        HAND = "hand", _("By hand")
        CSV = "csv", _("CSV import")
        API = "api", _("REST API")
        FORM = "form", _("Public form")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="feedback_items")
    text = models.TextField(_("feedback or quote"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    account = models.CharField(_("customer or account"), max_length=200, blank=True)
    segment = models.CharField(_("segment"), max_length=100, blank=True)
    received_on = models.DateField(_("date"))
    # Empty for items that came through the REST API or a team's public form.
    logged_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    via = models.CharField(_("logged via"), max_length=8, choices=Via.choices, default=Via.HAND)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UNTRIAGED)
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback_items"
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="duplicates"
    )
    dismiss_reason = models.TextField(_("why it is dismissed"), blank=True)

    class Meta:
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        ordering: ClassVar = ["-received_on", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismiss_reason=""), name="feedback_dismissed_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(status="merged", duplicate_of__isnull=False)
                | (~Q(status="merged") & Q(duplicate_of__isnull=True)),
                name="feedback_merged_points_to_kept",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["org", "status"])]

    def __str__(self) -> str:
        return self.text[:60]


class LaunchTemplate(models.Model):
    """The launch checklist every new launch plan of the organisation starts from (Product Ops edits it)."""

    org = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="launch_template")
    # Items are gettext msgids for the defaults (translated on display) or what the organisation typed.
    checklist = models.JSONField(_("launch checklist"), default=list, blank=True)

    class Meta:
        verbose_name = _("launch template")
        verbose_name_plural = _("launch templates")

    def __str__(self) -> str:
        return f"{self.org} launch template"


class Launch(models.Model):
    """The launch plan of a feature: date, tier, owners and a checklist; its readiness is computed
    from the checklist and the date (productops.launches.readiness)."""

    class Tier(models.TextChoices):
        TIER_1 = "tier1", _("Tier 1 · major launch")
        TIER_2 = "tier2", _("Tier 2 · notable launch")
        TIER_3 = "tier3", _("Tier 3 · minor launch")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="launches")
    feature = models.OneToOneField(Feature, on_delete=models.CASCADE, related_name="launch")
    launch_on = models.DateField(_("launch date"))
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, default=Tier.TIER_2)
    owners = models.ManyToManyField(
        Membership, related_name="owned_launches", blank=True, verbose_name=_("owners")
    )
    # [{"item": str, "done": bool}]
    checklist = models.JSONField(_("launch checklist"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("launch")
        verbose_name_plural = _("launches")
        ordering: ClassVar = ["launch_on", "id"]
        indexes: ClassVar = [models.Index(fields=["org", "launch_on"])]

    def __str__(self) -> str:
        return f"{self.feature} · {self.launch_on:%Y-%m-%d}"


class PostLaunchReview(models.Model):
    """Two weeks after the launch: each success criterion of the feature's spec with its target and
    the value the team measured. It feeds the feature's acceptance review, which it links to."""

    launch = models.OneToOneField(Launch, on_delete=models.CASCADE, related_name="review")
    # [{"kind", "metric", "target", "measured", "met": bool}]
    measurements = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acceptance_review = models.ForeignKey(
        AcceptanceReview, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("post-launch review")
        verbose_name_plural = _("post-launch reviews")

    def __str__(self) -> str:
        return f"Review of {self.launch}"


class TeamFeedbackLink(models.Model):
    """A team's public feedback form (an unguessable link; only its SHA-256 is stored) and whether
    the team's DRIVE roadmap section lists the most-requested unplanned features."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="feedback_link")
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    enabled = models.BooleanField(_("public form open"), default=False)
    rotated_at = models.DateTimeField(null=True, blank=True)
    show_most_requested = models.BooleanField(_("show the most-requested unplanned features"), default=False)

    class Meta:
        verbose_name = _("team feedback settings")
        verbose_name_plural = _("team feedback settings")

    def __str__(self) -> str:
        return f"Feedback settings of {self.team}"
