from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.serializers import IdField
from apps.jobs.models import ImageTask
from apps.jobs.selectors import artifact_urls

from .models import NAME_MAX_LENGTH, ChartGroup, Tag
from .selectors import analysis_title, draft_expires_at
from .services import MAX_BULK_ITEMS, BulkAction


class TagSerializer(serializers.ModelSerializer):
    charts = serializers.IntegerField(read_only=True, default=0, help_text="Charts in the library with it.")

    class Meta:
        model = Tag
        fields = ["id", "name", "charts", "created_at"]
        read_only_fields = ["id", "charts", "created_at"]


class GroupSerializer(serializers.ModelSerializer):
    charts = serializers.IntegerField(read_only=True, default=0, help_text="Charts in the library in it.")

    class Meta:
        model = ChartGroup
        fields = ["id", "name", "description", "charts", "created_at"]
        read_only_fields = ["id", "charts", "created_at"]


class TagWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)


class GroupWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ChartDescriptionSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The user's edit when there is one, else what the model wrote.")
    status = serializers.CharField()
    provider = serializers.CharField()
    model = serializers.CharField()
    edited = serializers.BooleanField()


class ChartSerializer(serializers.ModelSerializer):
    """A chart in the library: what it is, where it came from, what the analyst said about it."""

    job_title = serializers.CharField(source="job.title", read_only=True)
    dataset = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField()
    artifacts = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()
    published = serializers.SerializerMethodField()
    published_at = serializers.SerializerMethodField()
    expires_at = serializers.SerializerMethodField(
        help_text="When draft retention will delete this chart's files; null when it is kept (published, "
        "or no retention)."
    )

    class Meta:
        model = ImageTask
        fields = [
            "id",
            "job",
            "job_title",
            "dataset",
            "position",
            "analysis_key",
            "analysis_version",
            "title",
            "language",
            "params",
            "created_at",
            "finished_at",
            "artifacts",
            "description",
            "tags",
            "groups",
            "published",
            "published_at",
            "expires_at",
        ]
        read_only_fields = fields

    @extend_schema_field(NamedRefSerializer)
    def get_dataset(self, item: ImageTask) -> dict[str, Any]:
        return {"id": item.job.dataset_id, "name": item.job.dataset.name}

    def get_language(self, item: ImageTask) -> str:
        return (item.job.style or {}).get("language", "en")

    def get_title(self, item: ImageTask) -> str:
        return analysis_title(item.analysis_key, self.get_language(item))

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_artifacts(self, item: ImageTask) -> dict[str, str]:
        return artifact_urls(item)

    @extend_schema_field(ChartDescriptionSerializer(allow_null=True))
    def get_description(self, item: ImageTask) -> dict[str, Any] | None:
        description = self.context.get("descriptions", {}).get(item.pk)
        if description is None:
            return None
        return {
            "text": description.display_text,
            "status": description.status,
            "provider": description.provider,
            "model": description.model,
            "edited": description.is_edited,
        }

    @extend_schema_field(NamedRefSerializer(many=True))
    def get_tags(self, item: ImageTask) -> list[dict[str, Any]]:
        return [{"id": tag.pk, "name": tag.name} for tag in item.library_tags.all()]

    @extend_schema_field(NamedRefSerializer(many=True))
    def get_groups(self, item: ImageTask) -> list[dict[str, Any]]:
        return [{"id": group.pk, "name": group.name} for group in item.library_groups.all()]

    def _publication(self, item: ImageTask):
        try:
            return item.publication
        except ImageTask.publication.RelatedObjectDoesNotExist:
            return None

    def get_published(self, item: ImageTask) -> bool:
        return self._publication(item) is not None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_published_at(self, item: ImageTask):
        publication = self._publication(item)
        return publication.published_at if publication else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expires_at(self, item: ImageTask):
        return draft_expires_at(item)


class BulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[a.value for a in BulkAction])
    items = serializers.ListField(child=IdField(), allow_empty=False, max_length=MAX_BULK_ITEMS)
    tag = IdField(required=False, help_text="Tag id, for tag and untag.")
    group = IdField(required=False, help_text="Group id, for add_to_group and remove_from_group.")


class BulkResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    items = serializers.IntegerField(help_text="Charts the request named.")
    changed = serializers.IntegerField(help_text="Charts it changed (already tagged ones are not counted).")


class ItemsSerializer(serializers.Serializer):
    items = serializers.ListField(child=IdField(), allow_empty=False, max_length=MAX_BULK_ITEMS)


class RetentionSerializer(serializers.Serializer):
    draft_retention_days = serializers.IntegerField(help_text="0: drafts are kept forever.")
    drafts_expire = serializers.BooleanField()
    published_kept = serializers.BooleanField(help_text="Published charts are never deleted by retention.")
    reports_kept = serializers.BooleanField(help_text="Reports are never deleted by retention.")
    expiring_within_7_days = serializers.IntegerField(help_text="Your drafts whose files go within a week.")
