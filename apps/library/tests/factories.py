"""Charts as the charts worker leaves them: items in SUCCESS with their four files stored."""

from __future__ import annotations

import io
import json

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.jobs.models import ImageTask, ItemStatus, Job, artifact_path
from apps.jobs.tests.factories import ImageTaskFactory, JobFactory


def tiny_png(color: tuple[int, int, int] = (30, 90, 160)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 25), color).save(buffer, format="PNG")
    return buffer.getvalue()


def chart_job(*, owner, language: str = "en", **kwargs) -> Job:
    return JobFactory(dataset__owner=owner, owner=owner, style={"language": language}, **kwargs)


def drawn_chart(*, job: Job, analysis_key: str = "publication_trend", finished_at=None) -> ImageTask:
    position = job.items.count()
    item = ImageTaskFactory(
        job=job,
        position=position,
        analysis_key=analysis_key,
        status=ItemStatus.SUCCESS,
        progress=100,
        finished_at=finished_at or timezone.now(),
    )
    outputs = {
        "png": tiny_png(),
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        "data_csv": b"year,documents\n2020,3\n",
        "data_json": json.dumps({"columns": ["year", "documents"], "rows": [[2020, 3]]}).encode(),
    }
    extensions = {"png": "png", "svg": "svg", "data_csv": "csv", "data_json": "json"}
    for field, data in outputs.items():
        path = artifact_path(item, extensions[field])
        default_storage.save(path, ContentFile(data))
        setattr(item, field, path)
    item.save()
    job.total, job.succeeded = job.total + 1, job.succeeded + 1
    job.save(update_fields=["total", "succeeded"])
    return item
