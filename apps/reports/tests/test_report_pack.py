"""Report packs built from really drawn charts: the PDF, PPTX and ZIP hold every chart and description."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.ai.models import Description, DescriptionStatus
from apps.datasets.tests import fixtures as fx
from apps.jobs.models import JobEvent
from apps.library.selectors import analysis_title
from apps.notifications.models import Kind, Notification
from apps.reports.labels import CATALOG
from apps.reports.models import Report, ReportStatus
from apps.reports.services import report_build, report_create
from conftest import shared_file

from .readback import normalise, pdf_pages, pptx_slides, zip_members

pytestmark = pytest.mark.django_db


def build(report: Report) -> Report:
    assert report_build(report_id=report.pk, claim_id=report.claim_id)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCESS, report.error
    return report


def read(report: Report, kind: str) -> bytes:
    with report.file_field(kind).open("rb") as handle:
        return handle.read()


def written(job) -> dict[int, str]:
    texts = {
        d.item_id: d.display_text
        for d in Description.objects.filter(item__job=job, status=DescriptionStatus.SUCCESS)
    }
    assert len(texts) == job.items.count() and all(texts.values())
    return texts


def assert_documents_hold_every_chart(report: Report, job, *, query: str, language: str) -> None:
    items = list(job.items.order_by("position"))
    descriptions = written(job)
    pages = pdf_pages(read(report, "pdf"))
    slides = pptx_slides(read(report, "pptx"))
    assert len(pages) == len(slides) == 1 + len(items)
    for document in (pages, slides):
        title_page = document[0]
        assert normalise(query) in title_page.text and job.dataset.name in title_page.text
        for number, item in enumerate(items, start=1):
            page = document[number]
            assert f"{number}. {analysis_title(item.analysis_key, language)}" in page.text
            assert normalise(descriptions[item.pk]) in page.text, (item.analysis_key, page.text[:300])
            assert page.images >= 1
    members = zip_members(read(report, "zip"))
    assert {"README.md", "report.pdf", "report.pptx"} <= set(members)
    readme = members["README.md"].decode()
    assert query in readme and job.dataset.original_filename in readme
    for number, item in enumerate(items, start=1):
        stem = f"charts/{number:02d}-{item.analysis_key}"
        assert members[f"{stem}.png"].startswith(b"\x89PNG")
        assert b"<svg" in members[f"{stem}.svg"]
        assert members[f"{stem}.csv"] and members[f"{stem}.json"].startswith(b"{")
        markdown = members[f"descriptions/{number:02d}-{item.analysis_key}.md"].decode()
        assert descriptions[item.pk].strip() in markdown


def test_a_report_of_a_generated_export_holds_every_chart_and_description(
    drawn_job, user, queued_reports, django_capture_on_commit_callbacks
):
    job = drawn_job()
    with django_capture_on_commit_callbacks(execute=True):
        report = report_create(owner=user, job_id=job.pk)
    assert queued_reports == [(report.pk, report.claim_id)]
    with django_capture_on_commit_callbacks(execute=True):
        build(report)
    assert_documents_hold_every_chart(report, job, query=fx.QUERY, language="en")
    assert report.sizes["pdf"] > 10_000 and set(report.timings) == {"read_ms", "pdf_ms", "pptx_ms", "zip_ms"}
    # The job's event log tells the story; the owner is told it is ready.
    statuses = [e.data["status"] for e in JobEvent.objects.filter(job=job, type="report.status")]
    assert statuses == ["PENDING", "RUNNING", "SUCCESS"]
    assert set(JobEvent.objects.filter(job=job, type="report.status").last().data["files"]) == {
        "zip",
        "pdf",
        "pptx",
    }
    notification = Notification.objects.get(kind=Kind.REPORT_READY)
    assert notification.user == user and notification.subject_id == report.pk


def test_a_spanish_job_gets_a_spanish_report(drawn_job, user, queued_reports):
    job = drawn_job(language="es", analyses=("publication_trend", "top_applicants", "cpc_treemap"))
    report = build(report_create(owner=user, job_id=job.pk))
    assert report.language == "es"
    assert_documents_hold_every_chart(report, job, query=fx.QUERY, language="es")
    title_page = pdf_pages(read(report, "pdf"))[0].text
    assert "Consulta de búsqueda" in title_page and "Search query" not in title_page
    assert "Tendencia de publicación" in pptx_slides(read(report, "pptx"))[1].text
    assert "Fuente:" in zip_members(read(report, "zip"))["descriptions/01-publication_trend.md"].decode()


def test_a_report_of_the_real_espacenet_export(drawn_job, user, queued_reports):
    path = shared_file("espacenet-filters.xlsx")
    job = drawn_job(upload=path.read_bytes(), filename=path.name)
    report = build(report_create(owner=user, job_id=job.pk))
    query = job.dataset.summary["query"]
    assert query
    assert_documents_hold_every_chart(report, job, query=query, language="en")


def test_a_selection_across_jobs_in_the_order_given(drawn_job, user, queued_reports):
    first = drawn_job(analyses=("publication_trend", "top_applicants"))
    second = drawn_job(analyses=("top_countries",), describe=False)
    chosen = [second.items.get().pk, first.items.get(analysis_key="top_applicants").pk]
    report = build(report_create(owner=user, item_ids=chosen, title="Board pack"))
    assert report.job is None and report.title == "Board pack"
    pages = pdf_pages(read(report, "pdf"))
    assert len(pages) == 3
    assert "1. Top countries and offices" in pages[1].text
    assert "No description was written for this chart." in pages[1].text
    assert "2. Top applicants" in pages[2].text


def test_a_chart_deleted_before_the_build_fails_the_report_with_a_reason(
    drawn_job, user, queued_reports, django_capture_on_commit_callbacks
):
    job = drawn_job(analyses=("publication_trend",), describe=False)
    report = report_create(owner=user, job_id=job.pk)
    job.items.update(png="")
    assert not report_build(report_id=report.pk, claim_id=report.claim_id)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "ask for a new report" in report.error
    assert Notification.objects.get(kind=Kind.REPORT_FAILED).message == report.error
    # A duplicate delivery finds nothing to do; another message is not allowed to run it.
    assert not report_build(report_id=report.pk, claim_id=report.claim_id)
    assert not report_build(report_id=report.pk, claim_id="someone-else")
    assert report.finished_at <= timezone.now()


def test_the_report_catalog_speaks_both_languages_with_the_same_placeholders():
    import string

    for key, texts in CATALOG.items():
        assert set(texts) == {"en", "es"}, key
        fields = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in texts.values()]
        assert fields[0] == fields[1], key
