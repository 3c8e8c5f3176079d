from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.charts.labels import LANGUAGES
from apps.core.serializers import IdField

from .events import report_files
from .models import Report
from .services import MAX_ITEMS_PER_REPORT


class ReportCreateSerializer(serializers.Serializer):
    job = IdField(required=False, help_text="Every drawn chart of this job, in its order.")
    items = serializers.ListField(
        child=IdField(),
        required=False,
        allow_empty=True,  # an empty selection gets its own clear error from the service
        max_length=MAX_ITEMS_PER_REPORT * 5,
        help_text="Or these charts (item ids, any jobs of yours), in this order.",
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=list(LANGUAGES),
        required=False,
        allow_blank=True,
        default="",
        help_text="Blank: the job's language (the first chart's job, for a selection).",
    )


class ReportSerializer(serializers.ModelSerializer):
    items = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "title",
            "language",
            "job",
            "items",
            "status",
            "progress",
            "stage",
            "error",
            "files",
            "sizes",
            "timings",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(allow_null=True)))
    def get_items(self, report: Report) -> list[int | None]:
        return [entry.item_id for entry in report.entries.all()]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_files(self, report: Report) -> dict[str, str]:
        return report_files(report)
