"""Ritual templates: the defaults every organisation gets, and edits to them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from collab.models import Organisation
from rituals.models import RitualTemplate, TemplateSection
from rituals.syncs.defaults import DEFAULT_TEMPLATES, TemplateDefault

MIN_MINUTES, MAX_MINUTES = 1, 120


def templates_ensure_defaults(org: Organisation) -> list[RitualTemplate]:
    """Create the default templates the organisation lacks (DRIVE, CTO–CPO weekly, post-mortem, demo,
    roadmap review); leave the ones it has — edited or not — alone. Safe to call on every request."""
    existing = set(RitualTemplate.objects.filter(org=org).values_list("ritual", flat=True))
    for ritual, default in DEFAULT_TEMPLATES.items():
        if ritual in existing:
            continue
        try:
            with transaction.atomic():
                template = RitualTemplate.objects.create(
                    org=org, ritual=ritual, name=default.name, description=default.description
                )
                _create_sections(template, default)
        except IntegrityError:
            # Another request created it first (unique org/ritual): theirs is as good as ours.
            continue
    return list(RitualTemplate.objects.filter(org=org).prefetch_related("sections").order_by("id"))


def _create_sections(template: RitualTemplate, default: TemplateDefault) -> None:
    TemplateSection.objects.bulk_create(
        TemplateSection(
            template=template,
            code=section.code,
            title=section.title,
            planned_minutes=section.minutes,
            prompts=list(section.prompts),
            position=index,
        )
        for index, section in enumerate(default.sections)
    )


@transaction.atomic
def template_reset(*, template: RitualTemplate) -> RitualTemplate:
    """Put the default name, description and sections back."""
    default = DEFAULT_TEMPLATES[template.ritual]
    template.sections.all().delete()
    template.name, template.description = default.name, default.description
    template.save(update_fields=["name", "description"])
    _create_sections(template, default)
    return template


@dataclass
class SectionInput:
    """One section as submitted by the settings form. `id` is None for a new section."""

    title: str
    planned_minutes: int
    prompts: list[str] = field(default_factory=list)
    code: str = ""
    id: int | None = None


@transaction.atomic
def template_update(
    *, template: RitualTemplate, name: str, description: str, sections: list[SectionInput]
) -> RitualTemplate:
    """Replace the template's sections by `sections`, in that order: existing ones (by id) are
    updated, missing ones deleted, new ones created. Syncs already prepared keep their own copy."""
    if not sections:
        raise ValidationError(_("A template needs at least one section."))
    errors: list[str] = []
    for index, section in enumerate(sections, start=1):
        if not MIN_MINUTES <= section.planned_minutes <= MAX_MINUTES:
            errors.append(
                _("Section %(n)s: a time box is between %(min)s and %(max)s minutes.")
                % {"n": index, "min": MIN_MINUTES, "max": MAX_MINUTES}
            )
        if not section.title.strip():
            errors.append(_("Section %(n)s needs a title.") % {"n": index})
    if errors:
        raise ValidationError(errors)

    current = {s.pk: s for s in template.sections.select_for_update()}
    keep_ids = {s.id for s in sections if s.id is not None}
    unknown = keep_ids - current.keys()
    if unknown:
        raise ValidationError(_("A section was removed by someone else meanwhile; reload the page."))

    codes = _assign_codes(sections, current)
    template.sections.exclude(pk__in=keep_ids).delete()
    # Codes are unique per template: park the kept rows on temporary codes before renaming them.
    for pk in keep_ids:
        TemplateSection.objects.filter(pk=pk).update(code=f"tmp-{pk}")
    for position, (section, code) in enumerate(zip(sections, codes, strict=True)):
        values = {
            "code": code,
            "title": section.title.strip(),
            "planned_minutes": section.planned_minutes,
            "prompts": [p.strip() for p in section.prompts if p.strip()],
            "position": position,
        }
        if section.id is None:
            TemplateSection.objects.create(template=template, **values)
        else:
            TemplateSection.objects.filter(pk=section.id).update(**values)

    template.name, template.description = name.strip() or template.name, description.strip()
    template.save(update_fields=["name", "description"])
    return template


def _assign_codes(sections: list[SectionInput], current: dict[int, TemplateSection]) -> list[str]:
    """Existing sections keep their code (pre-filled agendas and metrics key on it); new ones get
    one made from their title, unique within the template."""
    taken: set[str] = set()
    codes: list[str] = []
    for section in sections:
        if section.id is not None:
            code = current[section.id].code
        else:
            base = slugify(section.code or section.title)[:28] or "section"
            code, n = base, 2
            while code in taken or code in {current[s.id].code for s in sections if s.id is not None}:
                code, n = f"{base}-{n}", n + 1
        taken.add(code)
        codes.append(code)
    return codes


def template_total_minutes(template: RitualTemplate) -> int:
    return sum(s.planned_minutes for s in template.sections.all())
