"""Drawn charts to describe: an item in SUCCESS with its chart data stored, as the charts worker leaves it."""

from __future__ import annotations

import json

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.ai.models import Description, Provider
from apps.charts.analyses import REGISTRY
from apps.charts.tests.data import sample_data
from apps.datasets.canonical import CanonicalData
from apps.jobs.models import ImageTask, ItemStatus, Job, artifact_path
from apps.jobs.tests.factories import ImageTaskFactory, JobFactory

SUMMARY = {
    "format": "lens_patents",
    "format_label": "Lens.org patent CSV",
    "records": 46,
    "query": "phytoremediation AND sensor",
    "year_range": [2012, 2020],
    "facets": {"applicant": {"rows": 4, "total": 18, "truncated": False}},
    "warnings": [],
}


def described_job(*, owner, describe: bool = False, language: str = "en", **kwargs) -> Job:
    return JobFactory(
        dataset__owner=owner,
        dataset__summary=SUMMARY,
        describe=describe,
        style={"language": language},
        **kwargs,
    )


def drawn_item(
    *,
    job: Job,
    analysis_key: str = "publication_trend",
    params: dict | None = None,
    data: CanonicalData | None = None,
) -> ImageTask:
    analysis = REGISTRY[analysis_key]
    validated = analysis.params_model.model_validate(params or {})
    chart = analysis.compute(data or sample_data(), validated)
    item = ImageTaskFactory(
        job=job,
        analysis_key=analysis_key,
        analysis_version=analysis.version,
        params=validated.model_dump(mode="json"),
        status=ItemStatus.SUCCESS,
        progress=100,
        finished_at=timezone.now(),
    )
    path = artifact_path(item, "json")
    default_storage.save(path, ContentFile(json.dumps(chart.to_json()).encode()))
    item.data_json = path
    item.save(update_fields=["data_json"])
    return item


class DescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Description

    item = factory.SubFactory(ImageTaskFactory)
    generation = factory.Sequence(lambda n: n + 1)
    provider = Provider.OPENAI
    model = "gpt-4o-mini"
    claim_id = factory.Sequence(lambda n: f"claim-{n}")
