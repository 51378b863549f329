"""Fast writes for the importer: ``bulk_create`` in batches, and PostgreSQL ``COPY`` for the
lists that can hold hundreds of thousands of rows (deployments, their commits and feature links).
Neither sends model signals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

BATCH_SIZE = 2000


def bulk(model: type[models.Model], objs: list[Any]) -> list[Any]:
    """``bulk_create`` in batches; the objects get their ids (PostgreSQL returns them)."""
    if objs:
        model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
    return objs


def copy_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in the order of ``fields``; a foreign key by its ``<name>_id``) with
    one ``COPY``. Ids are drawn from the table's sequence in row order, so ids keep the rows' order."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"  # noqa: S608 - names from the model, not input
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name.removesuffix("_id"))
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field.column
