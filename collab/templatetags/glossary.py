"""`glossary` template filter: mark the organisation's glossary terms in a text.

Usage (stable signature; the rituals app uses it in sync text)::

    {% load glossary %}
    {{ text|glossary:org }}                 {# org: an Organisation (request.org / the `org` context variable) #}
    {{ text|glossary:terms }}               {# or an iterable of GlossaryTerm, already loaded #}
    {{ text|glossary:org|linebreaksbr }}    {# the result is safe HTML; chain linebreaksbr for multi-line text #}

The text is HTML-escaped first; then every glossary term of the current request's language (en or
fr) is marked — case-insensitive, whole words only, longest term first — as::

    <abbr class="glossary" tabindex="0" data-business="Development inefficiencies"
          title="Development inefficiencies">technical debt</abbr>

so the business wording shows on hover and on keyboard focus (CSS only, no JavaScript). With an
Organisation, its terms are read once per language and kept on that object: the middleware builds
one per request, so a page asks the database at most once whatever the number of calls.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from collab.features.glossary import Marker, glossary_terms, marker_for
from collab.models import Organisation

register = template.Library()

_CACHE_ATTR = "_glossary_markers"


def _language() -> str:
    return (get_language() or "en")[:2].lower()


def _marker(source: Any) -> Marker:
    if isinstance(source, Marker):
        return source
    if isinstance(source, Organisation):
        language = _language()
        cache: dict[str, Marker] = source.__dict__.setdefault(_CACHE_ATTR, {})
        if language not in cache:
            cache[language] = marker_for(glossary_terms(org=source, language=language))
        return cache[language]
    if source is None or source == "":
        return Marker(None, {})
    language = _language()
    return marker_for(t for t in source if getattr(t, "language", language) in (language, None))


def mark_terms(text: Any, source: Any) -> SafeString:
    text = "" if text is None else str(text)
    marker = _marker(source)
    if marker.pattern is None or not text:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in marker.pattern.finditer(text):
        business, explanation = marker.wording[match.group(0).lower()]
        title = f"{business} — {explanation}" if explanation else business
        out.append(escape(text[last : match.start()]))
        out.append(
            f'<abbr class="glossary" tabindex="0" data-business="{escape(business)}" title="{escape(title)}">'
            f"{escape(match.group(0))}</abbr>"
        )
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


@register.filter(name="glossary")
def glossary_filter(text: Any, source: Any) -> SafeString:
    """{{ text|glossary:org }} — see the module docstring."""
    return mark_terms(text, source)
