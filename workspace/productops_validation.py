"""The rules of the Product Ops sections that the JSON Schema cannot state (references, one launch
per feature, merged feedback pointing to a kept item, a verdict only once analysed…). Pure Python,
like workspace.validation, which calls ``check_productops`` with its semantic checker."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, Protocol

Loc = tuple[str | int, ...]


class Checker(Protocol):
    doc: dict[str, Any]
    features: frozenset[str] | None
    people: frozenset[str] | None
    out: Any

    def ref(self, loc: Loc, value: object, index: frozenset[str] | None, label: str) -> None: ...
    def person(self, loc: Loc, record: dict[str, Any], field: str) -> None: ...
    def team(self, loc: Loc, record: dict[str, Any], field: str = "team") -> None: ...
    def unique(self, list_name: str, field: str = "key", label: str = "key") -> frozenset[str] | None: ...


def _quote(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _records(doc: dict[str, Any], name: str) -> Iterator[tuple[Loc, dict[str, Any]]]:
    value = doc.get(name)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield (name, index), item


def _instant(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _date(checks: Checker, loc: Loc, record: dict[str, Any], field: str = "date") -> None:
    value = record.get(field)
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            checks.out.add((*loc, field), f"invalid date {_quote(value)}")


def check_productops(checks: Checker) -> None:
    _feedback(checks)
    _launches(checks)
    _experiments(checks)


def _feedback(checks: Checker) -> None:
    doc = checks.doc
    keys = checks.unique("feedback")
    statuses = {
        item.get("key"): item.get("status")
        for _loc, item in _records(doc, "feedback")
        if isinstance(item.get("key"), str)
    }
    for loc, item in _records(doc, "feedback"):
        _date(checks, loc, item)
        checks.ref((*loc, "feature"), item.get("feature"), checks.features, "feature")
        checks.team(loc, item)
        checks.person(loc, item, "logged_by")
        status, duplicate_of = item.get("status"), item.get("duplicate_of")
        if status == "merged":
            if duplicate_of is None:
                checks.out.add(loc, "a merged item needs duplicate_of", field="duplicate_of")
            elif duplicate_of == item.get("key"):
                checks.out.add((*loc, "duplicate_of"), "an item cannot duplicate itself")
            elif keys is not None and duplicate_of not in keys:
                checks.out.add((*loc, "duplicate_of"), f"unknown feedback {_quote(duplicate_of)}")
            elif statuses.get(duplicate_of) == "merged":
                checks.out.add((*loc, "duplicate_of"), "must point to an item that is not merged itself")
        elif duplicate_of is not None:
            checks.out.add((*loc, "duplicate_of"), "only a merged item has duplicate_of")
        if status == "dismissed" and not item.get("dismiss_reason"):
            checks.out.add(loc, "is required when the status is dismissed", field="dismiss_reason")


def _reviews_at(doc: dict[str, Any]) -> dict[str, list[dt.datetime]]:
    found: dict[str, list[dt.datetime]] = {}
    for _loc, feature in _records(doc, "features"):
        reviews = feature.get("acceptance_reviews")
        if isinstance(feature.get("key"), str) and isinstance(reviews, list):
            found[feature["key"]] = [
                at for review in reviews if isinstance(review, dict) and (at := _instant(review.get("at")))
            ]
    return found


def _launches(checks: Checker) -> None:
    doc = checks.doc
    seen: set[str] = set()
    reviews_at = _reviews_at(doc)
    for loc, launch in _records(doc, "launches"):
        _date(checks, loc, launch)
        feature = launch.get("feature")
        checks.ref((*loc, "feature"), feature, checks.features, "feature")
        if isinstance(feature, str):
            if feature in seen:
                checks.out.add((*loc, "feature"), f"{_quote(feature)} already has a launch plan")
            seen.add(feature)
        checks.person(loc, launch, "created_by")
        owners = launch.get("owners")
        if isinstance(owners, list):
            emails: set[str] = set()
            for position, email in enumerate(owners):
                checks.ref((*loc, "owners", position), email, checks.people, "person")
                if isinstance(email, str):
                    if email.lower() in emails:
                        checks.out.add((*loc, "owners", position), f"duplicate owner {_quote(email)}")
                    emails.add(email.lower())
        review = launch.get("review")
        if isinstance(review, dict):
            checks.person((*loc, "review"), review, "updated_by")
            at = _instant(review.get("acceptance_review_at"))
            if at is not None and isinstance(feature, str) and at not in reviews_at.get(feature, []):
                checks.out.add(
                    (*loc, "review", "acceptance_review_at"),
                    f"no acceptance review of {_quote(feature)} at this time",
                )


def _experiments(checks: Checker) -> None:
    for loc, experiment in _records(checks.doc, "experiments"):
        checks.ref((*loc, "feature"), experiment.get("feature"), checks.features, "feature")
        checks.person(loc, experiment, "created_by")
        variants = experiment.get("variants")
        if isinstance(variants, list):
            names = [v.get("name") for v in variants if isinstance(v, dict)]
            if len(set(names)) != len(names):
                checks.out.add((*loc, "variants"), "variant names must be distinct")
        status, verdict = experiment.get("status"), experiment.get("verdict")
        if status == "analysed" and verdict is None:
            checks.out.add(loc, "is required when the status is analysed", field="verdict")
        elif status != "analysed" and verdict is not None:
            checks.out.add((*loc, "verdict"), "only an analysed experiment has a verdict")
        revisions = experiment.get("revisions")
        if isinstance(revisions, list):
            for position, revision in enumerate(revisions):
                if isinstance(revision, dict):
                    checks.person((*loc, "revisions", position), revision, "by")
