"""Turn a finished job into a notification for its owner."""

from __future__ import annotations

from django.dispatch import receiver
from django.urls import reverse

from apps.jobs.models import Job, JobStatus
from apps.jobs.signals import job_finished

from .models import Kind, Level
from .services import notification_create

# (kind, level, English title template) per terminal status. A CANCELLED job was the user's doing.
JOB_OUTCOMES = {
    JobStatus.SUCCESS: (Kind.JOB_SUCCEEDED, Level.SUCCESS, "“{title}” is ready: {succeeded} charts"),
    JobStatus.PARTIAL_SUCCESS: (
        Kind.JOB_PARTIAL,
        Level.WARNING,
        "“{title}” finished with {failed} of {total} charts failed",
    ),
    JobStatus.FAILED: (Kind.JOB_FAILED, Level.ERROR, "“{title}” failed: no chart could be drawn"),
}


@receiver(job_finished, dispatch_uid="notifications.job_finished")
def notify_job_finished(sender, *, job_id: int, status: str, **kwargs) -> None:
    outcome = JOB_OUTCOMES.get(status)
    if outcome is None:
        return
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None:
        return
    kind, level, template = outcome
    title = template.format(title=job.title, succeeded=job.succeeded, failed=job.failed, total=job.total)
    errors = list(
        job.items.exclude(error="").filter(status="FAILED").values_list("analysis_key", "error")[:3]
    )
    message = "\n".join(f"{key}: {error}" for key, error in errors)
    notification_create(
        user=job.owner,
        kind=kind,
        level=level,
        title=title,
        message=message,
        subject_type="job",
        subject_id=job.pk,
        url=reverse("api:job-detail", args=[job.pk]),
        job_id=job.pk,
    )
