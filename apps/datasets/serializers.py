from __future__ import annotations

from rest_framework import serializers

from .models import Dataset, DatasetFile
from .selectors import dataset_feeds
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
