"""Job inspection for administrators: items, the event timeline, cancel and retry."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.html import format_html

from apps.core.exceptions import ApplicationError

from .models import ImageTask, Job, JobEvent
from .selectors import artifact_urls
from .services import job_cancel, job_retry_failed


def _thumbnail(item: ImageTask) -> str:
    urls = artifact_urls(item)
    if not urls:
        return "—"
    return format_html(
        '<a href="{}" target="_blank"><img src="{}" style="height:60px" alt=""></a>', urls["png"], urls["png"]
    )


class ImageTaskInline(admin.TabularInline):
    model = ImageTask
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "position",
        "analysis_key",
        "status",
        "progress",
        "duration",
        "attempts",
        "worker",
        "error",
        "thumbnail",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="duration")
    def duration(self, item: ImageTask) -> str:
        return f"{item.duration_ms} ms" if item.duration_ms is not None else "—"

    @admin.display(description="chart")
    def thumbnail(self, item: ImageTask) -> str:
        return _thumbnail(item)


class JobEventInline(admin.TabularInline):
    model = JobEvent
    extra = 0
    can_delete = False
    fields = ["seq", "created_at", "type", "item", "data"]
    readonly_fields = fields
    ordering = ["seq"]
    verbose_name_plural = "event timeline"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "owner",
        "dataset",
        "status",
        "progress_display",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "created_at", "owner", "items__analysis_key"]
    search_fields = ["=id", "title", "dataset__name", "owner__username", "idempotency_key"]
    date_hierarchy = "created_at"
    inlines = [ImageTaskInline, JobEventInline]
    actions = ["cancel_jobs", "retry_failed"]
    readonly_fields = [
        "owner",
        "dataset",
        "title",
        "style",
        "idempotency_key",
        "status",
        "total",
        "succeeded",
        "failed",
        "cancelled",
        "event_seq",
        "created_at",
        "started_at",
        "finished_at",
        "cancel_requested_at",
    ]
    list_select_related = ["owner", "dataset"]

    def get_queryset(self, request) -> QuerySet[Job]:
        return super().get_queryset(request).distinct()

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="progress")
    def progress_display(self, job: Job) -> str:
        return f"{job.done}/{job.total} ({job.succeeded} ok, {job.failed} failed, {job.cancelled} cancelled)"

    @admin.action(description="Cancel selected jobs")
    def cancel_jobs(self, request, queryset: QuerySet[Job]) -> None:
        self._run(request, queryset, job_cancel, "cancelled")

    @admin.action(description="Retry failed and cancelled charts")
    def retry_failed(self, request, queryset: QuerySet[Job]) -> None:
        self._run(request, queryset, job_retry_failed, "retried")

    def _run(self, request, queryset: QuerySet[Job], service, verb: str) -> None:
        done = 0
        for job in queryset:
            try:
                service(job=job)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"Job {job.pk}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(request, f"{done} job(s) {verb}.", messages.SUCCESS)


@admin.register(ImageTask)
class ImageTaskAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "analysis_key", "status", "progress", "attempts", "worker", "finished_at"]
    list_filter = ["status", "analysis_key", "created_at"]
    search_fields = ["=id", "=job__id", "analysis_key", "error", "worker"]
    readonly_fields = [f.name for f in ImageTask._meta.fields] + ["thumbnail"]
    list_select_related = ["job"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="chart")
    def thumbnail(self, item: ImageTask) -> str:
        return _thumbnail(item)
