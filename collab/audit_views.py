"""The audit log page, for the organisation's managers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from collab import selectors
from collab.audit import ACTION_LABELS, audit_page, audit_sentence
from collab.http import OrgRequest
from collab.permissions import Cap, require


@login_required
@require_GET
@require(Cap.MANAGE_ORG)
def audit_log(request: OrgRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    action = action if action in ACTION_LABELS else ""
    person = request.GET.get("person", "")
    actor_id = int(person) if person.isdigit() and len(person) < 18 else None
    page = audit_page(org=request.org, action=action, actor_id=actor_id, page=request.GET.get("page", 1))
    rows = [(event, audit_sentence(event)) for event in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "actions": list(ACTION_LABELS.items()),
        "people": selectors.membership_list(org=request.org),
        "action": action,
        "actor_id": actor_id,
    }
    return render(request, "collab/audit_log.html", context)
