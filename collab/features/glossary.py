"""The organisation's glossary: technical terms and their business wording, in English and French.

Seeded with the seed's four translations (`glossary_seed_defaults`). `marker_for(terms)` builds
the matcher the `glossary` template filter uses (see collab/templatetags/glossary.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from collab.audit import Action, audit_record
from collab.models import GlossaryTerm, Membership, Organisation

LANGUAGES = ("en", "fr")

# Seed 000, "Traduction mutuelle des langages" (DESIGN.md → Glossary), with its French wording.
DEFAULT_TERMS: list[dict[str, str]] = [
    {"language": "en", "term": "Refactoring", "business_term": "Modernisation for faster development"},
    {"language": "en", "term": "Technical debt", "business_term": "Development inefficiencies"},
    {"language": "en", "term": "Legacy system", "business_term": "Outdated technology slowing innovation"},
    {"language": "en", "term": "Architecture", "business_term": "Technology foundation"},
    {
        "language": "fr",
        "term": "Refactoring",
        "business_term": "Modernisation pour accélérer le développement",
    },
    {"language": "fr", "term": "Dette technique", "business_term": "Inefficacités de développement"},
    {
        "language": "fr",
        "term": "Système legacy",
        "business_term": "Technologie dépassée qui freine l'innovation",
    },
    {"language": "fr", "term": "Architecture", "business_term": "Socle technologique"},
]


def glossary_terms(*, org: Organisation, language: str | None = None) -> QuerySet[GlossaryTerm]:
    qs = GlossaryTerm.objects.filter(org=org)
    if language:
        qs = qs.filter(language=language)
    return qs.order_by("language", Lower("term"))


@transaction.atomic
def glossary_seed_defaults(org: Organisation) -> int:
    """Add the seed's four translations (en and fr) that the organisation does not have yet;
    idempotent. Returns how many terms were added. Called when the glossary page is first opened
    on an organisation without terms; call it when creating an organisation too."""
    existing = {
        (lang, term.lower())
        for lang, term in GlossaryTerm.objects.filter(org=org).values_list("language", "term")
    }
    new = [
        GlossaryTerm(org=org, **entry)
        for entry in DEFAULT_TERMS
        if (entry["language"], entry["term"].lower()) not in existing
    ]
    GlossaryTerm.objects.bulk_create(new)
    return len(new)


def _check(
    org: Organisation, *, term: str, business_term: str, language: str, exclude_pk: int | None = None
) -> None:
    errors: dict[str, str] = {}
    if not term:
        errors["term"] = _("Give the technical term.")
    if not business_term:
        errors["business_term"] = _("Give the business wording executives will read.")
    if language not in LANGUAGES:
        errors["language"] = _("Choose English or French.")
    if term and not re.search(r"\w", term):
        errors["term"] = _("A term needs at least one letter or digit.")
    duplicate = GlossaryTerm.objects.filter(org=org, language=language, term__iexact=term)
    if exclude_pk:
        duplicate = duplicate.exclude(pk=exclude_pk)
    if term and duplicate.exists():
        errors["term"] = _("“%(term)s” is already in the glossary for this language.") % {"term": term}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def glossary_term_create(
    *, org: Organisation, term: str, business_term: str, language: str, explanation: str = ""
) -> GlossaryTerm:
    term, business_term = term.strip(), business_term.strip()
    _check(org, term=term, business_term=business_term, language=language)
    return GlossaryTerm.objects.create(
        org=org, term=term, business_term=business_term, language=language, explanation=explanation.strip()
    )


@transaction.atomic
def glossary_term_update(
    *, entry: GlossaryTerm, term: str, business_term: str, language: str, explanation: str = ""
) -> GlossaryTerm:
    term, business_term = term.strip(), business_term.strip()
    _check(entry.org, term=term, business_term=business_term, language=language, exclude_pk=entry.pk)
    entry.term, entry.business_term, entry.language, entry.explanation = (
        term,
        business_term,
        language,
        explanation.strip(),
    )
    entry.save(update_fields=["term", "business_term", "language", "explanation"])
    return entry


@transaction.atomic
def glossary_term_delete(*, entry: GlossaryTerm, by: Membership | None = None) -> None:
    audit_record(
        org=entry.org,
        actor=by,
        action=Action.RECORD_DELETED,
        target=entry.term,
        details={"kind": "glossary_term", "name": f"{entry.term} ({entry.language})"},
    )
    entry.delete()


# --- Marking terms in text ----------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """A compiled matcher for one language's terms: whole words, case-insensitive, longest first."""

    pattern: re.Pattern[str] | None
    wording: dict[str, tuple[str, str]]  # lower-cased term → (business wording, explanation)


def marker_for(terms: Any) -> Marker:
    """`terms`: GlossaryTerm objects (or dicts with term, business_term, explanation)."""
    wording: dict[str, tuple[str, str]] = {}
    for t in terms:
        get = t.get if isinstance(t, dict) else lambda name, default="", t=t: getattr(t, name, default)
        term = (get("term", "") or "").strip()
        if term:
            wording.setdefault(term.lower(), (get("business_term", "") or "", get("explanation", "") or ""))
    if not wording:
        return Marker(None, {})
    alternatives = "|".join(re.escape(t) for t in sorted(wording, key=len, reverse=True))
    # Whole words: no letter, digit or underscore just before or after the term.
    return Marker(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE), wording)
