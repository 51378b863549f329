"""Workspace imports run by a Celery worker: the upload is stored, a worker validates and loads it
(everything or nothing, as ``import_workspace`` does), and the uploader's page polls the job."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError
from redis import RedisError

from collab.models import Membership
from workspace.importer import WorkspaceImportError, import_workspace, invited_count
from workspace.models import ImportJob
from workspace.summary import summarise
from workspace.validation import WorkspaceError, load_workspace_json

logger = logging.getLogger(__name__)

QUEUE_ERRORS: tuple[type[BaseException], ...] = (RedisError, KombuError, OSError)
# When the broker is down, a document up to this size is imported on the request itself.
INLINE_MAX_BYTES = 2 * 1024 * 1024


@transaction.atomic
def import_job_create(*, membership: Membership, filename: str, document: bytes) -> ImportJob:
    return ImportJob.objects.create(
        uploaded_by=membership.user,
        from_org=membership.org,
        role=membership.role,
        filename=filename[:255],
        size=len(document),
        document=document,
    )


def import_job_enqueue(*, job: ImportJob) -> None:
    """Hand the job to a worker. With the broker down, a small document is imported at once; a large
    one is refused with a clear reason (the request would outlast the web worker's timeout)."""
    from workspace.tasks import import_job_run

    try:
        import_job_run.apply_async(kwargs={"job_id": str(job.pk)}, retry=False)
    except QUEUE_ERRORS as exc:
        logger.warning("workspace import %s not queued: %s", job.pk, exc)
        if job.size <= INLINE_MAX_BYTES:
            import_job_execute(job_id=job.pk)
        else:
            _finish(
                job,
                status=ImportJob.Status.FAILED,
                errors=[
                    [
                        "$",
                        _(
                            "The import queue is unavailable, and this document is too large to import "
                            "while you wait. Try again in a few minutes, or use `manage.py workspace import`."
                        ),
                    ]
                ],
            )


def _set_stage(job: ImportJob, stage: str) -> None:
    # Outside the import's transaction: the uploader's page sees it at once.
    job.stage = stage
    ImportJob.objects.filter(pk=job.pk).update(stage=stage)


def _finish(job: ImportJob, *, status: str, **fields: Any) -> None:
    values = {
        "status": status,
        "stage": ImportJob.Stage.FINISHED,
        "finished_at": timezone.now(),
        "document": b"",
    }
    values.update(fields)
    for name, value in values.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**values)


def _errors(errors: list[WorkspaceError]) -> list[list[str]]:
    return [[error.path, error.message] for error in errors]


def import_job_execute(*, job_id: Any) -> None:
    """Run a queued job. Safe to run twice: a job already started or over is left alone."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    try:
        _set_stage(job, ImportJob.Stage.VALIDATION)
        doc, errors = load_workspace_json(bytes(job.document))
        if doc is None:
            _finish(job, status=ImportJob.Status.FAILED, errors=_errors(errors))
            return
        with transaction.atomic():
            org = import_workspace(
                doc, uploader=job.uploaded_by, progress=lambda stage: _set_stage(job, stage)
            )
            # The uploader joins the new organisation to look at it; someone the document names
            # keeps the role it gives them.
            joined, _created = Membership.objects.get_or_create(
                org=org, user=job.uploaded_by, defaults={"role": job.role}
            )
    except WorkspaceImportError as exc:
        _finish(job, status=ImportJob.Status.FAILED, errors=_errors(exc.errors))
        return
    except Exception:
        logger.exception("workspace import %s failed", job_id)
        _finish(
            job,
            status=ImportJob.Status.FAILED,
            errors=[["$", _("The import failed on our side; nothing was loaded. Try again later.")]],
        )
        return
    _finish(
        job,
        status=ImportJob.Status.DONE,
        org=org,
        role=joined.role,
        invited=invited_count(org),
        counts=[[code, count] for code, _label, count in summarise(doc)],
    )
