"""Ritual templates, syncs and their sections, items, decisions and action items; PIVOT
conflicts; escalations; obstacles; 1:1s; post-mortems; team pulse."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.models import Feature, Membership, Organisation, Team, week_validator
from rituals.syncs.generated import generated_text


class Ritual(models.TextChoices):
    DRIVE = "drive", _("DRIVE weekly Product–Tech sync")
    CTO_CPO = "cto_cpo", _("CTO–CPO weekly")
    POSTMORTEM = "postmortem", _("Post-mortem")
    DEMO = "demo", _("Shared demo")
    ROADMAP_REVIEW = "roadmap_review", _("Roadmap review")
    DECISION_REVIEW = "decision_review", _("Leadership decision review")


class RitualTemplate(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ritual_templates")
    ritual = models.CharField(_("ritual"), max_length=32, choices=Ritual.choices)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("ritual template")
        verbose_name_plural = _("ritual templates")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "ritual"], name="template_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class TemplateSection(models.Model):
    template = models.ForeignKey(RitualTemplate, on_delete=models.CASCADE, related_name="sections")
    code = models.SlugField(_("code"), max_length=32)
    title = models.CharField(_("title"), max_length=120)
    planned_minutes = models.PositiveSmallIntegerField(
        _("time box (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    prompts = models.JSONField(_("prompts"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("template section")
        verbose_name_plural = _("template sections")
        ordering: ClassVar = ["position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["template", "code"], name="templatesection_unique_code"),
            models.CheckConstraint(
                condition=models.Q(planned_minutes__gte=1, planned_minutes__lte=120),
                name="templatesection_timebox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.planned_minutes} min)"


class SyncSchedule(models.Model):
    """A recurring weekly sync of a team (published as an .ics feed)."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sync_schedules")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="sync_schedules")
    ritual = models.CharField(_("ritual"), max_length=32, choices=Ritual.choices, default=Ritual.DRIVE)
    weekday = models.PositiveSmallIntegerField(_("weekday"), validators=[MaxValueValidator(6)])  # 0 = Monday
    time = models.TimeField(_("time"))
    facilitator = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    feed_token = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sync schedule")
        verbose_name_plural = _("sync schedules")
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return f"{self.team} · {self.get_ritual_display()}"


class Sync(models.Model):
    """One occurrence of a ritual. The timer is server-authoritative: sections store when they
    started, and every screen derives the remaining time from that."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="syncs")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="syncs")
    key = models.CharField(_("key"), max_length=64)
    ritual = models.CharField(_("ritual"), max_length=32, choices=Ritual.choices, default=Ritual.DRIVE)
    facilitator = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="facilitated_syncs")
    scheduled_at = models.DateTimeField(_("scheduled at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    current_section = models.ForeignKey(
        "SyncSection", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change; an unchanged poll compares it and answers 204 / 286 cheaply.
    revision = models.PositiveIntegerField(default=0)
    schedule = models.ForeignKey(
        SyncSchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="syncs"
    )
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    close_note = models.TextField(_("closing note"), blank=True)
    summary_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sync")
        verbose_name_plural = _("syncs")
        ordering: ClassVar = ["-scheduled_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="sync_unique_key_per_org")
        ]
        indexes: ClassVar = [
            models.Index(fields=["org", "status"]),
            models.Index(fields=["team", "scheduled_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_ritual_display()} · {self.scheduled_at:%Y-%m-%d}"


class SyncSection(models.Model):
    sync = models.ForeignKey(Sync, on_delete=models.CASCADE, related_name="sections")
    code = models.SlugField(_("code"), max_length=32)
    title = models.CharField(_("title"), max_length=120, blank=True)
    planned_minutes = models.PositiveSmallIntegerField(
        _("time box (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    prompts = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Seconds spent paused while this section ran; the timer subtracts them.
    paused_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("sync section")
        verbose_name_plural = _("sync sections")
        ordering: ClassVar = ["position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["sync", "code"], name="syncsection_unique_code")
        ]

    def __str__(self) -> str:
        return self.title or self.code


class SyncItem(models.Model):
    sync = models.ForeignKey(Sync, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(SyncSection, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("title"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="sync_items"
    )
    author = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    done = models.BooleanField(_("done"), default=False)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where the agenda pre-fill took it from (e.g. "obstacle:12"), so re-preparing adds no duplicate.
    source = models.CharField(max_length=64, blank=True)
    # A title the app wrote: its code and parameters (rituals/syncs/generated.py), shown in the
    # reader's language; `title` keeps the English text. Empty for what people typed.
    title_code = models.CharField(max_length=40, blank=True)
    title_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        """The title in the reader's language."""
        return generated_text(self.title_code, self.title_params, self.title)


class Decision(models.Model):
    sync = models.ForeignKey(Sync, on_delete=models.CASCADE, related_name="decisions")
    section = models.ForeignKey(SyncSection, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    author = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # A decision the app wrote (from a conflict or an escalation): code and parameters, as on items.
    text_code = models.CharField(max_length=40, blank=True)
    text_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def label(self) -> str:
        """The decision in the reader's language."""
        return generated_text(self.text_code, self.text_params, self.text)


class ActionItem(models.Model):
    sync = models.ForeignKey(Sync, on_delete=models.CASCADE, related_name="action_items")
    section = models.ForeignKey(
        SyncSection, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="action_items")
    due = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Sent to the team's tracker (Jira, Linear): "" never, sending, sent (key and link), failed.
    external_state = models.CharField(max_length=16, blank=True)
    external_provider = models.CharField(max_length=16, blank=True)
    external_key = models.CharField(max_length=64, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return self.title


# --- PIVOT conflicts and the escalation matrix --------------------------------------------------


class ConflictCategory(models.TextChoices):
    TIMELINE = "timeline", _("Timeline disagreement")
    SCOPE = "scope", _("Scope adjustment")
    RESOURCES = "resources", _("Resource allocation")
    STRATEGY = "strategy", _("Strategic trade-off")
    BUDGET = "budget", _("Budget conflict")
    CAPACITY = "capacity", _("Team capacity dispute")
    COMPANY_PRIORITY = "company_priority", _("Company priority conflict")
    ARCHITECTURE = "architecture", _("Major architecture decision")
    EXTERNAL_COMMITMENT = "external_commitment", _("External commitment vs technical reality")


# The seed's escalation matrix: category → level.
ESCALATION_LEVEL = {
    ConflictCategory.TIMELINE: 1,
    ConflictCategory.SCOPE: 1,
    ConflictCategory.RESOURCES: 1,
    ConflictCategory.STRATEGY: 2,
    ConflictCategory.BUDGET: 2,
    ConflictCategory.CAPACITY: 2,
    ConflictCategory.COMPANY_PRIORITY: 3,
    ConflictCategory.ARCHITECTURE: 3,
    ConflictCategory.EXTERNAL_COMMITMENT: 3,
}


class Conflict(models.Model):
    """Options are a JSON list [{title, impact, chosen}]."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="conflicts")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="conflicts")
    key = models.CharField(_("key"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    category = models.CharField(_("category"), max_length=32, choices=ConflictCategory.choices)
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    facts = models.TextField(_("Pause: the facts"), blank=True)
    business_needs = models.TextField(_("Identify: business needs"), blank=True)
    technical_constraints = models.TextField(_("Identify: technical constraints"), blank=True)
    options = models.JSONField(_("Value and options"), default=list, blank=True)
    success_criteria = models.TextField(_("Test: success criteria"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    origin_item = models.ForeignKey(
        SyncItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="conflicts"
    )
    opened_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conflict")
        verbose_name_plural = _("conflicts")
        ordering: ClassVar = ["-opened_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="conflict_unique_key_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.key} · {self.title}"

    @property
    def level(self) -> int:
        return ESCALATION_LEVEL[ConflictCategory(self.category)]


class ConflictSession(models.Model):
    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    notes = models.TextField(_("notes"), blank=True)
    step = models.CharField(_("step reached"), max_length=16, blank=True)
    # Recorded by the app for a day the PIVOT steps were worked in it (people may correct it).
    automatic = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("conflict session")
        verbose_name_plural = _("conflict sessions")
        ordering: ClassVar = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.conflict.key} · {self.held_at:%Y-%m-%d}"


class Escalation(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="escalations")
    key = models.CharField(_("key"), max_length=64)
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=[
            (1, _("Level 1 · PM + tech lead")),
            (2, _("Level 2 · VP Product + CTO")),
            (3, _("Level 3 · CEO")),
        ],
    )
    title = models.CharField(_("title"), max_length=300)
    context = models.TextField(_("context"), blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conflict = models.ForeignKey(
        Conflict, on_delete=models.SET_NULL, null=True, blank=True, related_name="escalations"
    )
    sync = models.ForeignKey(
        Sync, on_delete=models.SET_NULL, null=True, blank=True, related_name="escalations"
    )
    sync_item = models.ForeignKey(
        SyncItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="escalations"
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering: ClassVar = ["-opened_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="escalation_unique_key_per_org"),
            models.CheckConstraint(condition=models.Q(level__in=[1, 2, 3]), name="escalation_level_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.key} · L{self.level} · {self.title}"

    @property
    def team(self) -> Team | None:
        if self.conflict_id:
            return self.conflict.team  # type: ignore[union-attr]
        if self.sync_id:
            return self.sync.team  # type: ignore[union-attr]
        return None


class Obstacle(models.Model):
    class Kind(models.TextChoices):
        CROSS_TEAM_DEPENDENCY = "cross_team_dependency", _("Cross-team dependency")
        MISSING_CAPABILITY = "missing_capability", _("Missing technology or skill")
        CUSTOMER_ISSUE = "customer_issue", _("Major customer issue")
        PLATFORM_DEPENDENCY = "platform_dependency", _("Platform-team dependency")
        STAKEHOLDER_DECISION = "stakeholder_decision", _("Stakeholder concern needing a fast decision")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="obstacles")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="obstacles")
    key = models.CharField(_("key"), max_length=64)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_obstacles"
    )
    raised_in_sync = models.ForeignKey(
        Sync, on_delete=models.SET_NULL, null=True, blank=True, related_name="obstacles"
    )

    class Meta:
        verbose_name = _("obstacle")
        verbose_name_plural = _("obstacles")
        ordering: ClassVar = ["-opened_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["org", "key"], name="obstacle_unique_key_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.key} · {self.title}"


class OneOnOne(models.Model):
    """Weekly 1:1 between a product leader and a PM (seed 003)."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="one_on_ones")
    leader = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="one_on_ones_led")
    pm = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="one_on_ones")
    held_at = models.DateTimeField(_("held at"))
    learnings = models.TextField(_("learnings"), blank=True)
    follow_ups = models.TextField(_("follow-ups"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    obstacles = models.ManyToManyField(Obstacle, related_name="one_on_ones", blank=True)

    class Meta:
        verbose_name = _("1:1")
        verbose_name_plural = _("1:1s")
        ordering: ClassVar = ["-held_at", "-id"]

    def __str__(self) -> str:
        return f"{self.leader} / {self.pm} · {self.held_at:%Y-%m-%d}"


class PostMortem(models.Model):
    class Kind(models.TextChoices):
        INCIDENT = "incident", _("Incident")
        DELIVERY_DELAY = "delivery_delay", _("Delivery delay")

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="postmortems")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="postmortems")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    incident = models.ForeignKey(
        "delivery.Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="postmortems"
    )
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="postmortems"
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    summary = models.TextField(_("what happened"), blank=True)
    # [{at, text}] — the timeline, in order.
    timeline = models.JSONField(_("timeline"), default=list, blank=True)
    causes = models.TextField(_("contributing causes"), blank=True)
    learnings = models.TextField(_("what went well, what we learned"), blank=True)
    # Blameless follow-ups: [{title, owner (e-mail), due (YYYY-MM-DD) or null, done (bool)}].
    action_items = models.JSONField(_("action items"), default=list, blank=True)
    sync = models.ForeignKey(
        Sync, on_delete=models.SET_NULL, null=True, blank=True, related_name="postmortems"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("post-mortem")
        verbose_name_plural = _("post-mortems")
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Pulse(models.Model):
    """A team pulse answer (1–5) for a week, usually asked when a sync closes."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pulses")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pulses")
    week = models.CharField(_("week"), max_length=8, validators=[week_validator])
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    sync = models.ForeignKey(Sync, on_delete=models.SET_NULL, null=True, blank=True, related_name="pulses")
    membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pulse answer")
        verbose_name_plural = _("pulse answers")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="pulse_score_1_to_5"),
            # Imported answers carry no sync or person (NULLs are distinct), the app's carry both.
            models.UniqueConstraint(fields=["sync", "membership"], name="pulse_one_per_person_per_sync"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.week}: {self.score}"


# The leadership package's models (decision reviews, tech wins, user interviews) live in their own
# module; importing them here registers them with the app.
from rituals.leadership.models import (  # noqa: E402
    InterviewAttendee,
    ReviewDecision,
    ReviewRecord,
    Side,
    SpeakingTurn,
    TechWin,
    UserInterview,
)

__all__ = [
    "InterviewAttendee",
    "ReviewDecision",
    "ReviewRecord",
    "Side",
    "SpeakingTurn",
    "TechWin",
    "UserInterview",
]
