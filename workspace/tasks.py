from __future__ import annotations

from celery import shared_task

from workspace.jobs import import_job_execute


@shared_task(name="workspace.ping", ignore_result=False)
def ping() -> str:
    """A round trip through the broker and a worker, used by `demo --check`."""
    return "pong"


@shared_task(name="workspace.import_job_run", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_job_run(job_id: str) -> None:
    """Validate and load one uploaded workspace document (see workspace/jobs.py)."""
    import_job_execute(job_id=job_id)
