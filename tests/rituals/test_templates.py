from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from rituals.models import Ritual, RitualTemplate, TemplateSection
from rituals.syncs import services
from rituals.syncs.services import SectionInput

pytestmark = pytest.mark.django_db


def drive(org):
    return services.template_for(org, Ritual.DRIVE)


def test_defaults_cover_every_ritual_once(org):
    services.templates_ensure_defaults(org)
    services.templates_ensure_defaults(org)
    assert sorted(RitualTemplate.objects.filter(org=org).values_list("ritual", flat=True)) == sorted(
        Ritual.values
    )


@pytest.mark.parametrize(
    ("ritual", "sections", "total"),
    [
        (
            Ritual.DRIVE,
            [("delivery", 10), ("roadmap", 15), ("issues", 10), ("velocity", 5), ("escalation", 5)],
            45,
        ),
        (
            Ritual.CTO_CPO,
            [("operational", 15), ("people", 10), ("key-decisions", 10), ("incentives", 10)],
            45,
        ),
    ],
)
def test_seeded_sections_and_time_boxes(org, ritual, sections, total):
    template = services.template_for(org, ritual)
    rows = list(template.sections.values_list("code", "planned_minutes"))
    assert rows == sections
    assert sum(m for _c, m in rows) == total


def test_postmortem_is_blameless_with_timeline_causes_and_actions(org):
    codes = set(services.template_for(org, Ritual.POSTMORTEM).sections.values_list("code", flat=True))
    assert {"timeline", "causes", "actions"} <= codes


def test_defaults_are_msgids_shown_in_the_reader_language(org):
    delivery = drive(org).sections.get(code="delivery")
    assert delivery.prompts[0] == "Features delivered vs planned"
    with translation.override("fr"):
        assert translation.gettext(delivery.title) == "État de la livraison"
        assert translation.gettext(delivery.prompts[0]) == "Fonctionnalités livrées vs planifiées"


def test_defaults_do_not_overwrite_an_edited_template(org):
    template = drive(org)
    template.sections.filter(code="delivery").update(planned_minutes=12)
    services.templates_ensure_defaults(org)
    assert template.sections.get(code="delivery").planned_minutes == 12


def inputs(template):
    return [
        SectionInput(id=s.pk, title=s.title, planned_minutes=s.planned_minutes, prompts=list(s.prompts))
        for s in template.sections.all()
    ]


@pytest.mark.parametrize("minutes", [0, 121])
def test_time_boxes_stay_between_1_and_120(org, minutes):
    template = drive(org)
    sections = inputs(template)
    sections[0].planned_minutes = minutes
    with pytest.raises(ValidationError):
        services.template_update(template=template, name=template.name, description="", sections=sections)


def test_edit_reorders_removes_adds_and_keeps_codes(org):
    template = drive(org)
    sections = inputs(template)
    delivery, roadmap, issues, velocity, escalation = sections
    new = SectionInput(title="Customer voice", planned_minutes=120, prompts=["Top 3 tickets"])
    services.template_update(
        template=template,
        name=template.name,
        description="",
        sections=[roadmap, delivery, new, escalation, issues],
    )
    rows = list(template.sections.values_list("code", "title", "planned_minutes", "position"))
    assert rows == [
        ("roadmap", "Roadmap alignment", 15, 0),
        ("delivery", "Delivery status", 10, 1),
        ("customer-voice", "Customer voice", 120, 2),
        ("escalation", "Escalation", 5, 3),
        ("issues", "Issues resolution", 10, 4),
    ]
    assert not TemplateSection.objects.filter(template=template, code="velocity").exists()


def test_a_template_keeps_at_least_one_section(org):
    template = drive(org)
    with pytest.raises(ValidationError):
        services.template_update(template=template, name="x", description="", sections=[])


def test_reset_brings_the_defaults_back(org):
    template = drive(org)
    services.template_update(
        template=template,
        name="Ours",
        description="",
        sections=[SectionInput(title="Only", planned_minutes=30)],
    )
    services.template_reset(template=template)
    assert template.sections.count() == 5
    assert RitualTemplate.objects.get(pk=template.pk).name == "DRIVE weekly Product–Tech sync"


# --- The settings page ---------------------------------------------------------------------------


def post_data(template, *, edit=None, extra=None):
    sections = list(template.sections.all())
    data = {
        "name": template.name,
        "description": template.description,
        "sections-TOTAL_FORMS": str(len(sections) + 1),
        "sections-INITIAL_FORMS": str(len(sections)),
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
    }
    for i, s in enumerate(sections):
        data.update(
            {
                f"sections-{i}-id": str(s.pk),
                f"sections-{i}-title": translation.gettext(s.title),
                f"sections-{i}-planned_minutes": str(s.planned_minutes),
                f"sections-{i}-prompts": "\n".join(translation.gettext(p) for p in s.prompts),
                f"sections-{i}-ORDER": str(i + 1),
            }
        )
    data.update(edit or {})
    data.update(extra or {})
    return data


def test_only_organisation_managers_edit(org, pm, client_for):
    template = drive(org)
    client = client_for(pm)
    assert client.get(reverse("rituals:template_list")).status_code == 200
    assert client.get(reverse("rituals:template_edit", args=[template.pk])).status_code == 403
    assert (
        client.post(reverse("rituals:template_edit", args=[template.pk]), post_data(template)).status_code
        == 403
    )


def test_time_box_out_of_range_is_a_field_error(org, ops, client_for):
    template = drive(org)
    response = client_for(ops).post(
        reverse("rituals:template_edit", args=[template.pk]),
        post_data(template, edit={"sections-1-planned_minutes": "121"}),
    )
    assert response.status_code == 200
    errors = response.context["formset"].forms[1].errors
    assert "planned_minutes" in errors
    assert "120" in str(errors["planned_minutes"])
    assert template.sections.get(code="roadmap").planned_minutes == 15


def test_settings_page_reorders_adds_and_removes(org, ops, client_for):
    template = drive(org)
    data = post_data(
        template,
        edit={"sections-0-ORDER": "6", "sections-3-DELETE": "on"},
        extra={
            "sections-5-title": "Customer voice",
            "sections-5-planned_minutes": "7",
            "sections-5-prompts": "Top tickets\n\nChurn reasons\n",
            "sections-5-ORDER": "7",
        },
    )
    response = client_for(ops).post(reverse("rituals:template_edit", args=[template.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("rituals:template_list")
    rows = list(template.sections.values_list("code", "planned_minutes", "prompts"))
    assert [r[0] for r in rows] == ["roadmap", "issues", "escalation", "delivery", "customer-voice"]
    assert rows[-1][2] == ["Top tickets", "Churn reasons"]


def test_untouched_defaults_stay_bilingual_when_saved_in_french(org, ops, client_for):
    template = drive(org)
    client = client_for(ops)
    with translation.override("fr"):
        data = post_data(
            template, edit={"sections-0-prompts": "Fonctionnalités livrées vs planifiées\nNotre question"}
        )
    client.cookies["django_language"] = "fr"
    response = client.post(reverse("rituals:template_edit", args=[template.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("rituals:template_list")
    delivery = template.sections.get(code="delivery")
    assert delivery.title == "Delivery status"
    assert delivery.prompts == ["Features delivered vs planned", "Notre question"]
