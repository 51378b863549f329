"""The organisation's audit log: services (and the apps above, which may import collab) record an
action code with its parameters; the reader sees it in their own language at /settings/audit/."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from collab.models import AuditEvent, Membership, Organisation, Role


class Action:
    ROLE_CHANGED = "role_changed"
    MEMBER_REMOVED = "member_removed"
    MANAGER_TRANSFERRED = "manager_transferred"
    INVITATION_SENT = "invitation_sent"
    INVITATION_REVOKED = "invitation_revoked"
    INVITATION_ACCEPTED = "invitation_accepted"
    TARGETS_CHANGED = "targets_changed"
    API_TOKEN_CREATED = "api_token_created"  # noqa: S105 (an action code)
    API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105 (an action code)
    WORKSPACE_IMPORTED = "workspace_imported"
    TEAM_MEMBER_REMOVED = "team_member_removed"
    RECORD_DELETED = "record_deleted"
    ORGANISATION_CREATED = "organisation_created"
    FEATURE_DROPPED = "feature_dropped"
    SSO_SETTINGS_CHANGED = "sso_settings_changed"
    SSO_MEMBER_JOINED = "sso_member_joined"
    TWO_FACTOR_POLICY_CHANGED = "two_factor_policy_changed"
    NOTICE_CHANNEL_ADDED = "notice_channel_added"
    NOTICE_CHANNEL_URL_REPLACED = "notice_channel_url_replaced"
    NOTICE_CHANNEL_DELETED = "notice_channel_deleted"


# What each code says, with its details as parameters (role codes become the reader's labels).
SENTENCES: dict[str, Any] = {
    Action.ROLE_CHANGED: _("changed the role of %(person)s from %(old)s to %(new)s"),
    Action.MEMBER_REMOVED: _("removed %(person)s from the organisation"),
    Action.MANAGER_TRANSFERRED: _("handed the %(role)s role to %(person)s"),
    Action.INVITATION_SENT: _("invited %(email)s as %(role)s"),
    Action.INVITATION_REVOKED: _("revoked the invitation of %(email)s"),
    Action.INVITATION_ACCEPTED: _("%(email)s accepted the invitation"),
    Action.TARGETS_CHANGED: _("changed the metric targets: %(metrics)s"),
    Action.API_TOKEN_CREATED: _("created the API token %(name)s"),
    Action.API_TOKEN_REVOKED: _("revoked the API token %(name)s"),
    Action.WORKSPACE_IMPORTED: _("imported a workspace document"),
    Action.TEAM_MEMBER_REMOVED: _("removed %(person)s from the team %(team)s"),
    Action.RECORD_DELETED: _("deleted the %(kind)s “%(name)s”"),
    Action.ORGANISATION_CREATED: _("created the organisation"),
    Action.FEATURE_DROPPED: _("dropped the feature %(key)s: %(reason)s"),
    Action.SSO_SETTINGS_CHANGED: _("changed the single sign-on settings: %(fields)s"),
    Action.SSO_MEMBER_JOINED: _("%(email)s joined through single sign-on as %(role)s"),
    Action.TWO_FACTOR_POLICY_CHANGED: _("changed the two-factor policy: %(fields)s"),
    Action.NOTICE_CHANNEL_ADDED: _("added the %(provider)s channel %(name)s for notices"),
    Action.NOTICE_CHANNEL_URL_REPLACED: _("replaced the webhook URL of the channel %(name)s"),
    Action.NOTICE_CHANNEL_DELETED: _("deleted the notice channel %(name)s"),
}
ACTION_LABELS: dict[str, Any] = {
    Action.ROLE_CHANGED: _("Role changed"),
    Action.MEMBER_REMOVED: _("Member removed"),
    Action.MANAGER_TRANSFERRED: _("Managing role handed over"),
    Action.INVITATION_SENT: _("Invitation sent"),
    Action.INVITATION_REVOKED: _("Invitation revoked"),
    Action.INVITATION_ACCEPTED: _("Invitation accepted"),
    Action.TARGETS_CHANGED: _("Targets changed"),
    Action.API_TOKEN_CREATED: _("API token created"),
    Action.API_TOKEN_REVOKED: _("API token revoked"),
    Action.WORKSPACE_IMPORTED: _("Workspace imported"),
    Action.TEAM_MEMBER_REMOVED: _("Removed from a team"),
    Action.RECORD_DELETED: _("Record deleted"),
    Action.ORGANISATION_CREATED: _("Organisation created"),
    Action.FEATURE_DROPPED: _("Feature dropped"),
    Action.SSO_SETTINGS_CHANGED: _("Single sign-on settings changed"),
    Action.SSO_MEMBER_JOINED: _("Joined through single sign-on"),
    Action.TWO_FACTOR_POLICY_CHANGED: _("Two-factor policy changed"),
    Action.NOTICE_CHANNEL_ADDED: _("Slack or Teams channel added"),
    Action.NOTICE_CHANNEL_URL_REPLACED: _("Slack or Teams webhook replaced"),
    Action.NOTICE_CHANNEL_DELETED: _("Slack or Teams channel deleted"),
}
# The sign-in settings an SSO/two-factor change names ("fields"), in the reader's language.
SIGN_IN_FIELDS: dict[str, Any] = {
    "sso_enabled": _("single sign-on on or off"),
    "issuer": _("issuer"),
    "client_id": _("client ID"),
    "client_secret": _("client secret"),
    "allowed_domains": _("allowed e-mail domains"),
    "default_role": _("role for newcomers"),
    "sso_required": _("single sign-on required"),
    "require_two_factor": _("two-factor authentication required"),
    "idp_enforces_mfa": _("the identity provider enforces MFA"),
}
# The kinds of record whose deletion is recorded (Action.RECORD_DELETED's "kind").
KINDS: dict[str, Any] = {
    "objective": _("objective"),
    "key_result": _("key result"),
    "glossary_term": _("glossary term"),
}
PAGE_SIZE = 50


def audit_record(
    *,
    org: Organisation,
    actor: Membership | None,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record `action` (a code of `Action`) in the caller's transaction: it commits or rolls back
    with the change it describes. `actor` None: the application itself (an import, a script)."""
    if action not in SENTENCES:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(org=org, actor=actor, action=action, target=target[:300], details=details or {})
    # bulk_create: one INSERT and no model signal (a workspace import sends none: test_workspace_import).
    AuditEvent.objects.bulk_create([event])
    return event


def _role_label(value: Any) -> str:
    return str(Role(value).label) if value in Role.values else str(value)


def audit_sentence(event: AuditEvent) -> str:
    """What happened, in the active language."""
    params = {key: value for key, value in (event.details or {}).items()}
    for key in ("old", "new", "role"):
        if key in params:
            params[key] = _role_label(params[key])
    if params.get("kind") in KINDS:
        params["kind"] = str(KINDS[params["kind"]])
    if isinstance(params.get("metrics"), list):
        params["metrics"] = ", ".join(str(m) for m in params["metrics"]) or "—"
    if isinstance(params.get("fields"), list):
        params["fields"] = ", ".join(str(SIGN_IN_FIELDS.get(f, f)) for f in params["fields"]) or "—"
    params.setdefault("person", event.target)
    params.setdefault("email", event.target)
    params.setdefault("name", event.target)
    params.setdefault("metrics", event.target)
    try:
        return str(SENTENCES[event.action]) % params
    except (KeyError, TypeError, ValueError):
        return event.action


def audit_events(*, org: Organisation, action: str = "", actor_id: int | None = None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(org=org).select_related("actor__user")
    if action:
        qs = qs.filter(action=action)
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    return qs.order_by("-at", "-id")


def audit_page(
    *, org: Organisation, action: str = "", actor_id: int | None = None, page: str | int = 1
) -> Page[AuditEvent]:
    return Paginator(audit_events(org=org, action=action, actor_id=actor_id), PAGE_SIZE).get_page(page)
