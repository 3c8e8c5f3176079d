from django.contrib import admin

from .models import Dataset, DatasetFile

_FILE_FIELDS = [
    "original_filename",
    "size_bytes",
    "content_hash",
    "detected_format",
    "status",
    "canonical_prefix",
    "error",
    "created_at",
    "ingested_at",
]


class DatasetFileInline(admin.TabularInline):
    model = DatasetFile
    fields = _FILE_FIELDS
    readonly_fields = _FILE_FIELDS
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "owner",
        "detected_format",
        "status",
        "records",
        "files_count",
        "created_at",
    ]
    list_filter = ["status", "detected_format", "created_at"]
    search_fields = ["=id", "name", "original_filename", "owner__username", "content_hash"]
    readonly_fields = [
        "owner",
        "source_file",
        "original_filename",
        "size_bytes",
        "content_hash",
        "detected_format",
        "status",
        "canonical_prefix",
        "summary",
        "available_fields",
        "applicant_aliases",
        "error",
        "created_at",
        "ingested_at",
    ]
    list_select_related = ["owner"]
    inlines = [DatasetFileInline]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="records")
    def records(self, dataset: Dataset):
        return dataset.summary.get("records", "—")

    @admin.display(description="files")
    def files_count(self, dataset: Dataset) -> int:
        return dataset.files.count()
