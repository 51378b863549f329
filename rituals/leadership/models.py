"""Leadership decision reviews (decisions co-presented by the CPO and the CTO, with the speaking
time of each side), tech wins (a technical change and its business effect) and user interviews
(who attended, engineers included). Imported by `rituals.models`, so Django sees them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.models import Feature, Membership, Organisation, Role, Team


class Side(models.TextChoices):
    PRODUCT = "product", _("Product")
    TECH = "tech", _("Tech")


class ReviewDecision(models.Model):
    """A decision on the agenda of a leadership decision review. Each one is a time-boxed section
    of the sync, so presenter mode walks through them one by one."""

    class Source(models.TextChoices):
        NEW = "new", _("New decision")
        DECISION = "decision", _("Decision of a sync")
        ESCALATION = "escalation", _("Escalation")
        CONFLICT = "conflict", _("Conflict")

    sync = models.ForeignKey("rituals.Sync", on_delete=models.CASCADE, related_name="review_decisions")
    section = models.OneToOneField(
        "rituals.SyncSection", on_delete=models.CASCADE, related_name="review_decision"
    )
    title = models.CharField(_("decision to present"), max_length=300)
    context = models.TextField(_("context"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.NEW)
    source_decision = models.ForeignKey(
        "rituals.Decision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation = models.ForeignKey(
        "rituals.Escalation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conflict = models.ForeignKey(
        "rituals.Conflict", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_presenter = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tech_presenter = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Seconds each side spoke on this decision, recorded when the review closes.
    product_seconds = models.FloatField(null=True, blank=True)
    tech_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision to present")
        verbose_name_plural = _("decisions to present")
        ordering: ClassVar = ["section__position", "id"]

    def __str__(self) -> str:
        return self.title


class SpeakingTurn(models.Model):
    """Who spoke, from when to when (server clock), during which section of a decision review."""

    sync = models.ForeignKey("rituals.Sync", on_delete=models.CASCADE, related_name="speaking_turns")
    section = models.ForeignKey(
        "rituals.SyncSection", on_delete=models.CASCADE, related_name="speaking_turns"
    )
    side = models.CharField(_("side"), max_length=16, choices=Side.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("speaking turn")
        verbose_name_plural = _("speaking turns")
        ordering: ClassVar = ["started_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["sync"],
                condition=models.Q(ended_at__isnull=True),
                name="speakingturn_one_open_per_sync",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="speakingturn_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.started_at:%H:%M:%S}"


class ReviewRecord(models.Model):
    """The speaking time of each side over a whole decision review, recorded when it closes."""

    sync = models.OneToOneField("rituals.Sync", on_delete=models.CASCADE, related_name="review_record")
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="review_records")
    held_at = models.DateTimeField()
    product_seconds = models.FloatField(default=0)
    tech_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("decision review record")
        verbose_name_plural = _("decision review records")
        ordering: ClassVar = ["held_at", "id"]
        indexes: ClassVar = [models.Index(fields=["org", "held_at"])]

    def __str__(self) -> str:
        return f"{self.sync_id} {self.held_at:%Y-%m-%d}"


class TechWin(models.Model):
    """A technical change (a tech-debt or platform feature, or a deployment) and its business effect,
    written for executives and reviewed by product before it is shared."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("Waiting for product review")
        CHANGES = "changes", _("Changes requested")
        SHARED = "shared", _("Shared")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tech_wins")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="tech_wins")
    key = models.CharField(_("key"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="tech_wins"
    )
    deployment = models.ForeignKey(
        "delivery.Deployment", on_delete=models.SET_NULL, null=True, blank=True, related_name="tech_wins"
    )
    metric = models.CharField(_("business metric"), max_length=120)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    before = models.DecimalField(_("before"), max_digits=14, decimal_places=3)
    after = models.DecimalField(_("after"), max_digits=14, decimal_places=3)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    story = models.TextField(_("story for executives"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    shared_at = models.DateTimeField(_("shared at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tech win")
        verbose_name_plural = _("tech wins")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="techwin_unique_key_per_org"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="techwin_period_in_order"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["org", "status", "shared_at"])]

    def __str__(self) -> str:
        return f"{self.key} · {self.title}"


ATTENDEE_ROLES = [*Role.choices, ("customer", _("Customer")), ("other", _("Other"))]
ENGINEERING_ROLES = frozenset({Role.ENGINEER.value, Role.TECH_LEAD.value})


class UserInterview(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="user_interviews")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="user_interviews")
    held_on = models.DateField(_("date"))
    customer = models.CharField(_("customer or segment"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    feedback_items = models.ManyToManyField(
        "productops.FeedbackItem", blank=True, related_name="user_interviews", verbose_name=_("feedback")
    )
    features = models.ManyToManyField(
        Feature, blank=True, related_name="user_interviews", verbose_name=_("features")
    )
    # Whether an engineer or a tech lead attended; kept with the attendees, read by the share.
    with_engineer = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("user interview")
        verbose_name_plural = _("user interviews")
        ordering: ClassVar = ["-held_on", "-id"]
        indexes: ClassVar = [models.Index(fields=["org", "held_on"])]

    def __str__(self) -> str:
        return f"{self.customer} · {self.held_on:%Y-%m-%d}"


class InterviewAttendee(models.Model):
    interview = models.ForeignKey(UserInterview, on_delete=models.CASCADE, related_name="attendees")
    membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=ATTENDEE_ROLES)

    class Meta:
        verbose_name = _("interview attendee")
        verbose_name_plural = _("interview attendees")
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return self.name or str(self.membership)
