"""Links to pages of the syncs package, which is written alongside this one: resolved by name when
it exists, else the list of syncs."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse


def sync_url(sync_id: int | None) -> str:
    if sync_id is None:
        return ""
    try:
        return reverse("rituals:sync_detail", kwargs={"pk": sync_id})
    except NoReverseMatch:
        try:
            return reverse("rituals:sync_list")
        except NoReverseMatch:
            return ""
