from __future__ import annotations

from rest_framework import serializers

from apps.core.serializers import MAX_ID

from .models import Dataset, DatasetFile
from .selectors import PREVIEW_COLUMNS, PREVIEW_MAX_PAGE_SIZE, PREVIEW_PAGE_SIZE, dataset_feeds
from .services import MAX_NAME_LENGTH


class DatasetImportSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=2000,
        help_text="An http(s) URL of an export on the public internet (redirects are followed).",
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DatasetUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,
        required=False,
        help_text="An export. Repeat the field (or use `files`) to combine several exports in one dataset.",
    )
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, help_text="Several exports."
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DatasetFilesUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, required=False, help_text="An export to add.")
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False)


class AnalysisFitSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    available = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()


class DatasetFileSerializer(serializers.ModelSerializer):
    records = serializers.SerializerMethodField()

    class Meta:
        model = DatasetFile
        fields = [
            "id",
            "original_filename",
            "size_bytes",
            "detected_format",
            "status",
            "records",
            "error",
            "created_at",
            "ingested_at",
        ]
        read_only_fields = fields

    def get_records(self, file: DatasetFile) -> int | None:
        return file.summary.get("records")


class DatasetSerializer(serializers.ModelSerializer):
    files = DatasetFileSerializer(many=True, read_only=True)
    # Not a URLField: an uploaded dataset has "", which is not a URI (the schema said it was).
    source_url = serializers.CharField(
        read_only=True, help_text="The address it was imported from; empty for an upload."
    )
    alias_count = serializers.SerializerMethodField(help_text="How many applicant aliases the dataset has.")

    class Meta:
        model = Dataset
        fields = [
            "id",
            "name",
            "original_filename",
            "source_url",
            "size_bytes",
            "detected_format",
            "status",
            "summary",
            "available_fields",
            "error",
            "files",
            "alias_count",
            "created_at",
            "ingested_at",
        ]
        read_only_fields = fields

    def get_alias_count(self, dataset: Dataset) -> int:
        return len(dataset.applicant_aliases or {})


class DatasetDetailSerializer(DatasetSerializer):
    analyses = serializers.SerializerMethodField()

    class Meta(DatasetSerializer.Meta):
        fields = [*DatasetSerializer.Meta.fields, "analyses"]
        read_only_fields = fields

    def get_analyses(self, dataset: Dataset) -> list[dict]:
        return AnalysisFitSerializer(dataset_feeds(dataset), many=True).data


class TextField(serializers.CharField):
    """A CharField that takes text only: DRF's own turns 3 into "3", which would hide a client's bug."""

    default_error_messages = {"not_text": "Must be text (a name), not {kind}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text", kind=type(data).__name__)
        return super().to_internal_value(data)


class AliasesInputSerializer(serializers.Serializer):
    aliases = serializers.DictField(
        child=TextField(allow_null=True, allow_blank=True, max_length=MAX_NAME_LENGTH),
        help_text='Applicant name -> the name to show instead, e.g. {"SANGAMO BIOSCIENCES": "SANGAMO '
        'THERAPEUTICS"}. Both are cleaned like applicant names. With PATCH, null removes an alias.',
    )


class AliasSuggestionSerializer(serializers.Serializer):
    names = serializers.ListField(child=serializers.CharField())
    suggested = serializers.CharField()
    documents = serializers.DictField(child=serializers.IntegerField())


class AliasesSerializer(serializers.Serializer):
    aliases = serializers.DictField(child=serializers.CharField())
    suggestions = AliasSuggestionSerializer(many=True)


class DatasetRecordsQuerySerializer(serializers.Serializer):
    # Bounded so that the page's first row, (page - 1) * page_size, fits in 64 bits (past it, a 500).
    page = serializers.IntegerField(
        min_value=1, max_value=MAX_ID // PREVIEW_MAX_PAGE_SIZE, default=1, help_text="1 is the first page."
    )
    page_size = serializers.IntegerField(
        min_value=1, max_value=PREVIEW_MAX_PAGE_SIZE, default=PREVIEW_PAGE_SIZE, help_text="Records per page."
    )


def _texts(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True, help_text=help_text
    )


class DatasetRecordSerializer(serializers.Serializer):
    """One publication as the preview shows it; only the columns the dataset carries are present."""

    publication_number = serializers.CharField(required=False)
    title = serializers.CharField(required=False, allow_null=True)
    applicants = _texts("Cleaned names, with the dataset's aliases applied.")
    inventors = _texts("Cleaned names.")
    publication_date = serializers.DateField(required=False, allow_null=True)
    priority_date = serializers.DateField(required=False, allow_null=True)
    jurisdiction = serializers.CharField(required=False, allow_null=True)
    kind = serializers.CharField(required=False, allow_null=True)
    family_id = serializers.CharField(required=False, allow_null=True)
    cpc = _texts("CPC codes.")
    ipc = _texts("IPC codes.")
    legal_status = serializers.CharField(required=False, allow_null=True)
    cited_by_count = serializers.IntegerField(required=False, allow_null=True)
    family_size = serializers.IntegerField(required=False, allow_null=True)


class DatasetRecordsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Publications in the dataset.")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    pages = serializers.IntegerField()
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=list(PREVIEW_COLUMNS)),
        help_text="The columns this dataset carries, in the order to show them.",
    )
    results = DatasetRecordSerializer(many=True)
