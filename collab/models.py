"""Organisations, people and teams; features and their two-way specs; OKRs; glossary."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

week_validator = RegexValidator(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$", _("Use an ISO week such as 2026-W07."))
quarter_validator = RegexValidator(r"^\d{4}-Q[1-4]$", _("Use a quarter such as 2026-Q3."))


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        """Sign-in looks the e-mail up case-insensitively: addresses are stored lowercase, but people
        type them as they like (Team-2-Engineer-3@ORGB.test)."""
        email = (username or "").strip()
        try:
            return self.get(email__iexact=email)
        except self.model.MultipleObjectsReturned:  # only rows written before lowercasing
            return self.get(email=email)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person; signs in with an e-mail address. Roles live on memberships, per organisation."""

    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    language = models.CharField(_("language"), max_length=8, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return (self.name or self.email).split(" ")[0]


class Organisation(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    language = models.CharField(
        _("language"), max_length=2, choices=[("en", "English"), ("fr", "Français")], default="en"
    )
    # Overrides of the default metric targets: {metric_name: number}.
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    # Set by sign-up until the founder follows the link e-mailed to them (collab/signup.py).
    awaiting_verification = models.BooleanField(default=False)
    onboarding_dismissed_at = models.DateTimeField(null=True, blank=True)
    # Whether the organisation's sign-in policy (workspace) requires single sign-on or a second
    # factor: kept by workspace when the policy is saved, so that a request of an organisation without
    # such rules costs no policy lookup.
    sign_in_rules = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PM = "pm", _("Product manager")
    TECH_LEAD = "tech_lead", _("Tech lead")
    ENGINEERING_MANAGER = "engineering_manager", _("Engineering manager")
    ENGINEER = "engineer", _("Engineer")
    DESIGNER = "designer", _("Designer")
    PRODUCT_OPS = "product_ops", _("Product Ops")
    VP_PRODUCT = "vp_product", _("VP Product")
    CPO = "cpo", _("CPO")
    CTO = "cto", _("CTO")
    CEO = "ceo", _("CEO")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A person in an organisation, with the role that decides what they may do there."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.ENGINEER)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "user"], name="membership_unique_user_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.org})"

    @property
    def email(self) -> str:
        return self.user.email


class Topology(models.TextChoices):
    STREAM_ALIGNED = "stream_aligned", _("Stream-aligned")
    PLATFORM = "platform", _("Platform")
    ENABLING = "enabling", _("Enabling")
    COMPLICATED_SUBSYSTEM = "complicated_subsystem", _("Complicated subsystem")


class Team(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    slug = models.SlugField(_("slug"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    topology = models.CharField(
        _("topology"), max_length=32, choices=Topology.choices, default=Topology.STREAM_ALIGNED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "slug"], name="team_unique_slug_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(_("team role"), max_length=32, choices=Role.choices, default=Role.ENGINEER)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["team", "membership"], name="teammember_unique_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} in {self.team} ({self.get_role_display()})"


class Invitation(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.ENGINEER)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.org}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


# --- OKRs -----------------------------------------------------------------------------------


class Objective(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="objectives")
    key = models.CharField(_("key"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    quarter = models.CharField(_("quarter"), max_length=7, validators=[quarter_validator])
    teams = models.ManyToManyField(Team, related_name="objectives", blank=True)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering: ClassVar = ["-quarter", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="objective_unique_key_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.quarter} · {self.title}"


class KeyResult(models.Model):
    class Kind(models.TextChoices):
        BUSINESS = "business", _("Business")
        TECHNICAL = "technical", _("Technical")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="key_results")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    key = models.CharField(_("key"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    target = models.FloatField(_("target"))
    current = models.FloatField(_("current"), null=True, blank=True)

    class Meta:
        verbose_name = _("key result")
        verbose_name_plural = _("key results")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="keyresult_unique_key_per_org")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def progress(self) -> float | None:
        """Share of the way from baseline to target (0..1, may exceed 1), None when unknown."""
        if self.current is None or self.baseline is None or self.target == self.baseline:
            return None
        return (self.current - self.baseline) / (self.target - self.baseline)


# --- Features and specs -------------------------------------------------------------------------


class Feature(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        TECH_DEBT = "tech_debt", _("Tech debt")
        PLATFORM = "platform", _("Platform")
        BUG = "bug", _("Bug")

    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        FRAMING = "framing", _("Framing")
        ALIGNED = "aligned", _("Aligned")
        IN_PROGRESS = "in_progress", _("In progress")
        DELIVERED = "delivered", _("Delivered")
        ACCEPTED = "accepted", _("Accepted")
        DROPPED = "dropped", _("Dropped")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="features")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="features")
    key = models.CharField(_("key"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PRODUCT)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IDEA)
    effort_points = models.FloatField(
        _("effort points"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    rice_reach = models.FloatField(_("reach"), null=True, blank=True, validators=[MinValueValidator(0)])
    rice_impact = models.FloatField(_("impact"), null=True, blank=True, validators=[MinValueValidator(0)])
    rice_confidence = models.FloatField(
        _("confidence"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    rice_effort = models.FloatField(_("effort"), null=True, blank=True, validators=[MinValueValidator(0.01)])
    # Stored so lists can sort by it in SQL; kept in step by services.
    rice_score = models.FloatField(_("RICE score"), null=True, blank=True, editable=False)
    key_results = models.ManyToManyField(KeyResult, related_name="features", blank=True)
    depends_on = models.ManyToManyField("self", symmetrical=False, related_name="dependents", blank=True)
    planned_week = models.CharField(_("planned week"), max_length=8, blank=True, validators=[week_validator])
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # The issue of an outside tracker (Jira, Linear) this feature mirrors; our key stays ours.
    external_provider = models.CharField(_("tracker"), max_length=16, blank=True)
    external_key = models.CharField(_("tracker key"), max_length=64, blank=True)
    external_url = models.URLField(_("tracker link"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="feature_unique_key_per_org"),
            # One tracker issue is one feature.
            models.UniqueConstraint(
                fields=["org", "external_provider", "external_key"],
                condition=~models.Q(external_key=""),
                name="feature_unique_external_per_org",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["team", "status"]),
            models.Index(fields=["org", "delivered_at"]),
            # A recompute of recent weeks finds the features planned for them (metrics.loaders).
            models.Index(fields=["org", "planned_week"], name="feature_planned_week"),
        ]

    def __str__(self) -> str:
        return f"{self.key} · {self.title}"

    def compute_rice(self) -> float | None:
        parts = (self.rice_reach, self.rice_impact, self.rice_confidence, self.rice_effort)
        if any(p is None for p in parts) or not self.rice_effort:
            return None
        return float(self.rice_reach * self.rice_impact * self.rice_confidence / self.rice_effort)  # type: ignore[operator]


class Spec(models.Model):
    """The two-way spec of a feature (INVEST process). List fields are JSON lists of small dicts:
    technical_constraints [{kind, description}], success_criteria [{kind, metric, target}],
    options [{title, tradeoffs, chosen}]; invest {independent, negotiable, ...: bool} or null."""

    class Driver(models.TextChoices):
        REVENUE = "revenue", _("Revenue impact")
        CHURN = "churn", _("Churn reduction")
        COMPETITIVE = "competitive", _("Competitive advantage")
        OTHER = "other", _("Other")

    feature = models.OneToOneField(Feature, on_delete=models.CASCADE, related_name="spec")
    business_driver_kind = models.CharField(
        _("business driver"), max_length=16, choices=Driver.choices, blank=True
    )
    business_driver_description = models.TextField(_("why it matters"), blank=True)
    expected_impact = models.CharField(_("expected impact"), max_length=300, blank=True)
    technical_constraints = models.JSONField(_("technical constraints"), default=list, blank=True)
    success_criteria = models.JSONField(_("success criteria"), default=list, blank=True)
    user_journey = models.TextField(_("user journey"), blank=True)
    business_value = models.TextField(_("business value"), blank=True)
    options = models.JSONField(_("architecture options"), default=list, blank=True)
    solution = models.TextField(_("co-created solution"), blank=True)
    invest = models.JSONField(_("INVEST checklist"), null=True, blank=True)
    aligned_session = models.ForeignKey(
        "AlignmentSession", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    aligned_at = models.DateTimeField(_("aligned at"), null=True, blank=True)
    # Optimistic concurrency: a save carries the version it was read at; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("spec")
        verbose_name_plural = _("specs")

    def __str__(self) -> str:
        return f"Spec of {self.feature}"


class AlignmentSession(models.Model):
    class Phase(models.TextChoices):
        CONTEXT_SETTING = "context_setting", _("Context setting")
        SOLUTION_DESIGN = "solution_design", _("Solution design")

    class Outcome(models.TextChoices):
        ALIGNED = "aligned", _("Aligned")
        CONTINUE = "continue", _("Another session needed")

    spec = models.ForeignKey(Spec, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    phase = models.CharField(_("phase"), max_length=32, choices=Phase.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    attendees: models.ManyToManyField[Membership, SessionAttendance] = models.ManyToManyField(
        Membership, through="SessionAttendance", related_name="alignment_sessions"
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("alignment session")
        verbose_name_plural = _("alignment sessions")
        ordering: ClassVar = ["held_at", "id"]
        # A recompute of recent weeks finds the specs aligned in them (metrics.loaders).
        indexes: ClassVar = [models.Index(fields=["held_at"], name="alignment_session_held_at")]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} · {self.held_at:%Y-%m-%d}"


class SessionAttendance(models.Model):
    session = models.ForeignKey(AlignmentSession, on_delete=models.CASCADE)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)

    class Meta:
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["session", "membership"], name="attendance_unique_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} at session {self.session_id}"


class SpecRevision(models.Model):
    class Kind(models.TextChoices):
        REWORK = "rework", _("Rework")
        CLARIFICATION = "clarification", _("Clarification")
        # A version saved while framing (before alignment): shown in the history, never rework.
        FRAMING = "framing", _("Framing")

    spec = models.ForeignKey(Spec, on_delete=models.CASCADE, related_name="revisions")
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="spec_revisions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    proposed_kind = models.CharField(_("proposed kind"), max_length=16, choices=Kind.choices, blank=True)
    fields = models.JSONField(_("fields"), default=list)
    reason = models.TextField(_("reason"), blank=True)
    # {field: {"old": ..., "new": ...}} for the readable diff; empty for imported revisions.
    changes = models.JSONField(default=dict, blank=True)
    # The word diff of the plain-text fields, computed once at save (collab/features/diff.py):
    # {field: [unchanged text | [old text, new text], ...]}; empty for older and imported revisions.
    diff = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [models.Index(fields=["at"], name="spec_revision_at")]  # recent weeks' (metrics)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.at:%Y-%m-%d}"


class AcceptanceReview(models.Model):
    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="acceptance_reviews")
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="acceptance_reviews")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    # Per success criterion: [{metric, target, met: bool, note}]
    criteria_results = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("acceptance review")
        verbose_name_plural = _("acceptance reviews")
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["at"], name="acceptance_review_at")
        ]  # recent weeks' (metrics)
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(outcome="accepted") | ~Q(reason=""), name="review_rejection_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} · {self.at:%Y-%m-%d}"


# --- Glossary -----------------------------------------------------------------------------------


class GlossaryTerm(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="glossary")
    term = models.CharField(_("technical term"), max_length=120)
    business_term = models.CharField(_("business wording"), max_length=300)
    language = models.CharField(_("language"), max_length=2, choices=[("en", "English"), ("fr", "Français")])
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["org", "term", "language"], name="glossary_unique_term_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.business_term} ({self.language})"


# --- Audit log ----------------------------------------------------------------------------------


class AuditEvent(models.Model):
    """Something a manager may need to trace: an action code and its parameters (rendered in the
    reader's language by collab/audit.py), never a sentence stored in one language."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    action = models.CharField(_("action"), max_length=64)
    target = models.CharField(_("target"), max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [models.Index(fields=["org", "-at"])]

    def __str__(self) -> str:
        return f"{self.action} · {self.target}"
