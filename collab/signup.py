"""Starting on one's own: a person creates their account and their organisation in one step, then
follows a signed, expiring link e-mailed to them before the organisation can be used."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.audit import Action, audit_record
from collab.features.glossary import glossary_seed_defaults
from collab.mail import email_later
from collab.models import Membership, Organisation, Role, User

# The founder's role: the only one that may grant every other role (collab/permissions.py), so they
# can hand it over once the organisation has its real leaders.
FOUNDER_ROLE = Role.CEO
VERIFY_DAYS = 3
_SALT = "collab.signup.verify"


class SignupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput, strip=False)
    org_name = forms.CharField(label=gettext_lazy("Organisation name"), max_length=200)
    slug = forms.SlugField(
        label=gettext_lazy("Short name (slug)"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Used in links; made from the name when left empty."),
    )
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64, initial="Europe/Paris")
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=[("en", "English"), ("fr", "Français")], initial="en"
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail exists already: log in instead."))
        return email

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(
                _("Unknown time zone; use an IANA name such as Europe/Paris.")
            ) from exc
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password"):
            candidate = User(email=data.get("email", ""), name=data.get("name", ""))
            try:
                validate_password(data["password"], user=candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        if data.get("org_name") and not data.get("slug") and "slug" not in self.errors:
            data["slug"] = slugify(data["org_name"])[:64]
            if not data["slug"]:
                self.add_error("org_name", _("Give the organisation a name with letters or digits."))
        return data


def slug_proposal(slug: str) -> str:
    """`slug` when it is free, else the first free `slug-2`, `slug-3`…"""
    taken = set(Organisation.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
    if slug not in taken:
        return slug
    n = 2
    while f"{slug[: 64 - len(str(n)) - 1]}-{n}" in taken:
        n += 1
    return f"{slug[: 64 - len(str(n)) - 1]}-{n}"


@transaction.atomic
def organisation_sign_up(
    *,
    name: str,
    email: str,
    password: str,
    org_name: str,
    slug: str,
    time_zone: str,
    language: str,
    base_url: str | None = None,
) -> Membership:
    """The account, the organisation (awaiting verification, with the default glossary) and the
    founder's membership, all or nothing; the verification e-mail leaves after commit. A taken slug
    is refused with a free one proposed."""
    if Organisation.objects.filter(slug=slug).exists():
        raise ValidationError(
            {"slug": _("%(slug)s is taken; %(free)s is free.") % {"slug": slug, "free": slug_proposal(slug)}}
        )
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail exists already: log in instead.")})
    user = User.objects.create_user(email=email, name=name, password=password, language=language)
    org = Organisation.objects.create(
        name=org_name, slug=slug, time_zone=time_zone, language=language, awaiting_verification=True
    )
    membership = Membership.objects.create(org=org, user=user, role=FOUNDER_ROLE)
    glossary_seed_defaults(org)
    audit_record(org=org, actor=membership, action=Action.ORGANISATION_CREATED, target=org.name)
    verification_send(membership=membership, base_url=base_url)
    return membership


def verification_token(*, membership: Membership) -> str:
    return signing.dumps({"m": membership.pk, "o": membership.org_id}, salt=_SALT)


def verification_send(*, membership: Membership, base_url: str | None = None) -> None:
    query = urlencode({"t": verification_token(membership=membership)})
    link = (base_url or settings.SITE_URL).rstrip("/") + reverse("signup_verify") + "?" + query
    context = {"membership": membership, "org": membership.org, "link": link, "days": VERIFY_DAYS}
    email_later(
        subject=_("Confirm your e-mail to start %(org)s") % {"org": membership.org.name},
        body=render_to_string("registration/signup_verify_email.txt", context),
        to=[membership.user.email],
    )


@transaction.atomic
def organisation_verify(*, token: str) -> Membership | None:
    """The founder's membership whose organisation the link opens, or None when the link is
    altered or older than VERIFY_DAYS."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=VERIFY_DAYS * 24 * 3600)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    member_id, org_id = (data.get("m"), data.get("o")) if isinstance(data, dict) else (None, None)
    if not isinstance(member_id, int) or not isinstance(org_id, int):
        return None
    membership = (
        Membership.objects.select_related("org", "user")
        .filter(pk=member_id, org_id=org_id, is_active=True)
        .first()
    )
    if membership is None:
        return None
    org = membership.org
    if org.awaiting_verification:
        org.awaiting_verification = False
        org.save(update_fields=["awaiting_verification"])
    return membership
