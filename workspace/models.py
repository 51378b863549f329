"""An upload of a workspace document, imported by a Celery worker while the uploader watches."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.models import Organisation, Role, User


class ImportJob(models.Model):
    """One upload: the document until it is loaded, where the import stands, and its report. The id
    is a UUID: the job page is addressed by it, and only its uploader may read it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Refused")

    class Stage(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        VALIDATION = "validation", _("Validation")
        LOADING = "loading", _("Loading")
        FINISHED = "finished", _("Finished")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploaded_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # The organisation the upload was made from, and the role the uploader joins the new one with.
    from_org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=32)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # The uploaded bytes; emptied once the import is over.
    document = models.BinaryField(default=b"")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.UPLOAD)
    # [[code, count], …] as summary.summarise gives them; [[path, message], …] when refused.
    counts = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    invited = models.PositiveIntegerField(default=0)
    org = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("workspace import")
        verbose_name_plural = _("workspace imports")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def is_over(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class SignInPolicy(models.Model):
    """How the members of one organisation sign in: single sign-on through its OpenID Connect
    provider (workspace/sso.py) and whether a second factor is required (workspace/twofactor.py)."""

    org = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="sign_in_policy")
    sso_enabled = models.BooleanField(_("single sign-on on"), default=False)
    issuer = models.URLField(_("issuer"), max_length=500, blank=True)
    client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    # A Fernet token (integrations/crypto.py); the plain secret is never stored nor shown again.
    client_secret_encrypted = models.BinaryField(default=b"")
    # Lowercase domains ("acme.com"); a person arriving through SSO must have an address in one.
    allowed_domains = models.JSONField(_("allowed e-mail domains"), default=list, blank=True)
    default_role = models.CharField(
        _("role for newcomers"), max_length=32, choices=Role.choices, default=Role.ENGINEER
    )
    sso_required = models.BooleanField(_("single sign-on required"), default=False)
    require_two_factor = models.BooleanField(_("two-factor authentication required"), default=False)
    idp_enforces_mfa = models.BooleanField(_("the identity provider enforces MFA"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policies")

    def __str__(self) -> str:
        return f"{self.org} sign-in"

    @property
    def sso_ready(self) -> bool:
        return bool(self.sso_enabled and self.issuer and self.client_id and self.client_secret_encrypted)
