from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from collab.features.glossary import (
    DEFAULT_TERMS,
    glossary_seed_defaults,
    glossary_term_create,
    glossary_term_update,
)
from collab.models import GlossaryTerm
from collab.templatetags.glossary import mark_terms
from tests.factories import FeatureFactory, OrganisationFactory, SpecFactory

pytestmark = pytest.mark.django_db


def render(text: str, org: Any) -> str:
    return Template("{% load glossary %}{{ text|glossary:org }}").render(Context({"text": text, "org": org}))


def test_seed_adds_the_four_translations_in_both_languages(org: Any) -> None:
    assert glossary_seed_defaults(org) == 8
    terms = {(t.language, t.term): t.business_term for t in GlossaryTerm.objects.filter(org=org)}
    assert terms[("en", "Technical debt")] == "Development inefficiencies"
    assert terms[("en", "Refactoring")] == "Modernisation for faster development"
    assert terms[("en", "Legacy system")] == "Outdated technology slowing innovation"
    assert terms[("en", "Architecture")] == "Technology foundation"
    assert terms[("fr", "Dette technique")] == "Inefficacités de développement"
    assert len(DEFAULT_TERMS) == 8


def test_seed_is_idempotent_and_keeps_edits(org: Any) -> None:
    glossary_seed_defaults(org)
    entry = GlossaryTerm.objects.get(org=org, language="en", term="Architecture")
    glossary_term_update(entry=entry, term="architecture", business_term="Our foundations", language="en")
    assert glossary_seed_defaults(org) == 0
    assert GlossaryTerm.objects.get(pk=entry.pk).business_term == "Our foundations"


def test_duplicate_term_refused_case_insensitively(org: Any) -> None:
    glossary_term_create(org=org, term="API", business_term="Connection point", language="en")
    with pytest.raises(ValidationError):
        glossary_term_create(org=org, term="api", business_term="Other", language="en")
    glossary_term_create(org=org, term="api", business_term="Point de connexion", language="fr")


def test_filter_marks_whole_words_case_insensitively(org: Any) -> None:
    glossary_seed_defaults(org)
    html = render("Our technical debt and Refactoring plan; refactorings and architectures stay.", org)
    assert (
        '<abbr class="glossary" tabindex="0" data-business="Development inefficiencies" '
        'title="Development inefficiencies">technical debt</abbr>'
    ) in html
    assert 'data-business="Modernisation for faster development"' in html
    assert ">Refactoring</abbr>" in html
    assert ">refactorings" not in html
    assert "refactorings" in html
    assert ">architectures" not in html


def test_filter_escapes_text_and_wording(org: Any) -> None:
    glossary_term_create(org=org, term="Legacy", business_term='Old "stuff" <b>', language="en")
    html = render("<script>alert(1)</script> Legacy & co", org)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'data-business="Old &quot;stuff&quot; &lt;b&gt;"' in html
    assert "&amp; co" in html


def test_filter_uses_the_request_language(org: Any) -> None:
    glossary_seed_defaults(org)
    with translation.override("fr"):
        html = render("La dette technique du système legacy", org)
    assert 'data-business="Inefficacités de développement"' in html
    assert "Technologie dépassée" in html
    assert "Development inefficiencies" not in html


def test_filter_longest_term_wins(org: Any) -> None:
    glossary_term_create(org=org, term="debt", business_term="Money owed", language="en")
    glossary_term_create(
        org=org, term="Technical debt", business_term="Development inefficiencies", language="en"
    )
    html = render("technical debt", org)
    assert html.count("<abbr") == 1
    assert "Development inefficiencies" in html


def test_filter_reads_terms_once_per_org_object(org: Any, django_assert_num_queries: Any) -> None:
    glossary_seed_defaults(org)
    with django_assert_num_queries(1):
        Template("{% load glossary %}{% for t in texts %}{{ t|glossary:org }}{% endfor %}").render(
            Context({"texts": ["Refactoring"] * 20, "org": org})
        )


def test_filter_accepts_a_term_list_and_empty_values(org: Any) -> None:
    terms = [GlossaryTerm(term="Architecture", business_term="Technology foundation", language="en")]
    assert "Technology foundation" in mark_terms("Architecture", terms)
    assert mark_terms(None, org) == ""
    assert mark_terms("Plain <b>", None) == "Plain &lt;b&gt;"


def test_first_visit_seeds_and_lists_terms(client_for: Any, ops: Any, org: Any) -> None:
    body = client_for(ops).get(reverse("collab:glossary")).content.decode()
    assert "Development inefficiencies" in body
    assert "Inefficacités de développement" in body
    assert GlossaryTerm.objects.filter(org=org).count() == 8


def test_ops_adds_edits_and_deletes_terms(client_for: Any, ops: Any, org: Any) -> None:
    client = client_for(ops)
    response = client.post(
        reverse("collab:glossary"), {"term": "Latency", "business_term": "Waiting time", "language": "en"}
    )
    assert response.status_code == 302
    entry = GlossaryTerm.objects.get(org=org, term="Latency")
    client.post(
        reverse("collab:glossary_edit", args=[entry.pk]),
        {"term": "Latency", "business_term": "Time users wait", "language": "en"},
    )
    entry.refresh_from_db()
    assert entry.business_term == "Time users wait"
    client.post(reverse("collab:glossary_delete", args=[entry.pk]))
    assert not GlossaryTerm.objects.filter(pk=entry.pk).exists()


def test_add_term_errors_show_on_the_form(client_for: Any, ops: Any, org: Any) -> None:
    glossary_seed_defaults(org)
    response = client_for(ops).post(
        reverse("collab:glossary"), {"term": "refactoring", "business_term": "X", "language": "en"}
    )
    assert response.status_code == 400
    assert "is already in the glossary" in response.content.decode()


def test_pm_reads_but_does_not_manage(client_for: Any, pm: Any, org: Any) -> None:
    glossary_seed_defaults(org)
    entry = GlossaryTerm.objects.filter(org=org).first()
    client = client_for(pm)
    assert client.get(reverse("collab:glossary")).status_code == 200
    assert (
        client.post(
            reverse("collab:glossary"), {"term": "X", "business_term": "Y", "language": "en"}
        ).status_code
        == 403
    )
    assert client.post(reverse("collab:glossary_delete", args=[entry.pk])).status_code == 403


def test_other_organisation_term_is_404(assert_404_for_outsider: Any, org: Any) -> None:
    glossary_seed_defaults(org)
    entry = GlossaryTerm.objects.filter(org=org).first()
    assert_404_for_outsider(reverse("collab:glossary_edit", args=[entry.pk]), methods=("get", "post"))
    assert_404_for_outsider(reverse("collab:glossary_delete", args=[entry.pk]), methods=("post",))


def test_outsider_sees_only_their_own_glossary(other_org_client: Any, org: Any) -> None:
    glossary_term_create(org=org, term="Kubernetes", business_term="Secret sauce", language="en")
    assert "Secret sauce" not in other_org_client.get(reverse("collab:glossary")).content.decode()


def test_business_view_marks_terms_and_puts_business_first(
    client_for: Any, pm: Any, team: Any, org: Any
) -> None:
    glossary_seed_defaults(org)
    spec = SpecFactory(
        feature=FeatureFactory(team=team),
        business_value="Less technical debt for the checkout",
        solution="Refactoring behind a flag",
    )
    body = client_for(pm).get(reverse("collab:spec_business", args=[spec.feature.key])).content.decode()
    assert 'data-business="Development inefficiencies"' in body
    assert 'data-business="Modernisation for faster development"' in body
    assert body.index("How we will know it worked") < body.index("The approach chosen")
    assert body.index("conversion") < body.index("p95 latency")  # business criteria before technical


def test_business_view_in_french_uses_french_terms(client_for: Any, pm: Any, team: Any, org: Any) -> None:
    glossary_seed_defaults(org)
    spec = SpecFactory(feature=FeatureFactory(team=team), solution="Réduire la dette technique")
    client = client_for(pm)
    client.cookies["django_language"] = "fr"
    body = client.get(reverse("collab:spec_business", args=[spec.feature.key])).content.decode()
    assert 'data-business="Inefficacités de développement"' in body


def test_defaults_button_adds_back_missing_terms(client_for: Any, ops: Any, org: Any) -> None:
    glossary_seed_defaults(org)
    GlossaryTerm.objects.filter(org=org, term="Architecture").delete()
    client_for(ops).post(reverse("collab:glossary_defaults"))
    assert GlossaryTerm.objects.filter(org=org, term="Architecture").count() == 2


def test_seed_does_not_touch_other_orgs(org: Any) -> None:
    other = OrganisationFactory()
    glossary_seed_defaults(org)
    assert not GlossaryTerm.objects.filter(org=other).exists()
