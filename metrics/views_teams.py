"""The table of every team that an organisation's dashboard page loads after first paint (htmx),
with the page's filters: on the overview, with the small multiples of the focus metric."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from metrics import page_cache
from metrics.views import PAGES, _dashboard, _frame_context, render_team_table


@login_required
@require_GET
@vary_on_headers("HX-Request")
def team_table(request: HttpRequest) -> HttpResponse:
    """The table of every team of the page named by `page` (the overview when none); without htmx
    (the link of its loading state), that page with the table in place. An unknown page is a 404,
    as is an unknown team in the filters (another organisation's); a team's page has no such
    table."""
    page = request.GET.get("page") or "overview"
    if page not in PAGES:
        raise Http404("no such dashboard")
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request:
        return _dashboard(request, page, table=True)
    org, context = _frame_context(request, page)
    if context["scope"].team is not None:  # a team's page has no table of every team
        return HttpResponse("")
    html = page_cache.cached(
        page_cache.cache_key(context, org=org, page=page, part="teams"),
        lambda: render_team_table(context, org=org, page=page),
    )
    return HttpResponse(html)
