"""Why a delivery was ignored or refused: codes stored in the database, sentences shown to readers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

BAD_SIGNATURE = "bad_signature"
MISSING_SIGNATURE = "missing_signature"
EVENT_NOT_USED = "event_not_used"
ACTION_NOT_USED = "action_not_used"
UNMAPPED_SOURCE = "unmapped_source"
MALFORMED = "malformed"
UNKNOWN_INCIDENT = "unknown_incident"
NOT_MERGED = "not_merged"
NOT_SELECTED = "not_selected"
UNMAPPED_STATUS = "unmapped_status"
UNKNOWN_ISSUE = "unknown_issue"
STALE_TIMESTAMP = "stale_timestamp"
TRACKER_REFUSED = "tracker_refused"
TRACKER_UNREACHABLE = "tracker_unreachable"
NO_TOKEN = "no_token"  # noqa: S105 (a reason code)
HISTORY_REFUSED = "history_refused"
HISTORY_TOO_LONG = "history_too_long"

LABELS = {
    BAD_SIGNATURE: _("the signature does not match"),
    MISSING_SIGNATURE: _("the signature is missing"),
    EVENT_NOT_USED: _("an event we do not use"),
    ACTION_NOT_USED: _("an action or status we do not use"),
    UNMAPPED_SOURCE: _("no team is mapped to this source"),
    MALFORMED: _("a field is missing or malformed"),
    UNKNOWN_INCIDENT: _("no incident with this id was recorded"),
    NOT_MERGED: _("closed without being merged"),
    NOT_SELECTED: _("not of the issue type or label this connection takes"),
    UNMAPPED_STATUS: _("its status is not mapped: it followed its category"),
    UNKNOWN_ISSUE: _("no feature mirrors this issue"),
    STALE_TIMESTAMP: _("the timestamp is too old (a replay?)"),
    TRACKER_REFUSED: _("the tracker refused the request"),
    TRACKER_UNREACHABLE: _("the tracker could not be reached"),
    NO_TOKEN: _("no API token is set on the connection"),
    HISTORY_REFUSED: _("the provider refused to give the history"),
    HISTORY_TOO_LONG: _("reading took longer than a run may last: what was read is kept, read fewer days"),
}

# English, for the JSON answers webhooks get (scripts match on them).
ENGLISH = {
    BAD_SIGNATURE: "signature does not match",
    MISSING_SIGNATURE: "signature missing",
    EVENT_NOT_USED: "event not used",
    STALE_TIMESTAMP: "webhookTimestamp is not recent",
}


def label(code: str) -> str:
    return str(LABELS.get(code, code))
