"""The request our views receive: `OrganisationMiddleware` sets the caller's organisation and
membership, django-htmx's middleware sets `htmx`. Views annotate `request: OrgRequest` so the type
checker knows these attributes (no `type: ignore` per use)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from collab.models import Membership, Organisation


class OrgRequest(HttpRequest):
    # Typed as present: pages that can be reached without an organisation (the start page, the
    # poll) test `is None` first, and `need_org`-style guards turn a missing one into a 404.
    org: Organisation
    membership: Membership
    htmx: HtmxDetails
