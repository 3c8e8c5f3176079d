from __future__ import annotations

from rest_framework import serializers

from apps.core.serializers import IdField

from .models import ImageTask, Job
from .selectors import artifact_urls


class AnalysisRequestSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=60)
    params = serializers.DictField(required=False, default=dict)


class JobCreateSerializer(serializers.Serializer):
    dataset = IdField()
    analyses = AnalysisRequestSerializer(many=True, allow_empty=False)
    style = serializers.DictField(required=False, default=dict)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    describe = serializers.BooleanField(
        required=False, default=False, help_text="Write a description of every chart once it is drawn."
    )
    ai_provider = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text="`openai` or `local`; blank: the server's default (GET /api/v1/ai/providers/).",
    )
    ai_model = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The model for `openai` descriptions; blank: the server's AI_MODEL.",
    )
    idempotency_key = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=False,
        help_text="A second job with this key returns the first (also read from the Idempotency-Key header).",
    )


class ItemSerializer(serializers.ModelSerializer):
    artifacts = serializers.SerializerMethodField()
    duration_ms = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ImageTask
        fields = [
            "id",
            "job",
            "position",
            "analysis_key",
            "analysis_version",
            "params",
            "status",
            "progress",
            "attempts",
            "error",
            "worker",
            "timings",
            "created_at",
            "started_at",
            "finished_at",
            "duration_ms",
            "artifacts",
        ]
        read_only_fields = fields

    def get_artifacts(self, item: ImageTask) -> dict[str, str]:
        return artifact_urls(item)


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)
    dataset_name = serializers.CharField(source="dataset.name", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "dataset",
            "dataset_name",
            "status",
            "style",
            "describe",
            "ai_provider",
            "ai_model",
            "total",
            "succeeded",
            "failed",
            "cancelled",
            "progress",
            "event_seq",
            "idempotency_key",
            "created_at",
            "started_at",
            "finished_at",
            "cancel_requested_at",
        ]
        read_only_fields = fields


class JobDetailSerializer(JobSerializer):
    items = ItemSerializer(many=True, read_only=True)

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "items"]
        read_only_fields = fields


class JobRetrySerializer(serializers.Serializer):
    items = serializers.ListField(
        child=IdField(),
        required=False,
        allow_empty=False,
        help_text="Only these items; all failed and cancelled items when omitted.",
    )


class EventSerializer(serializers.Serializer):
    type = serializers.CharField()
    v = serializers.IntegerField()
    job = serializers.IntegerField(allow_null=True)
    seq = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()
    data = serializers.DictField()
    trace = serializers.CharField(
        allow_null=True, help_text="The trace id of the request or task that wrote it (also in the logs)."
    )


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    last_seq = serializers.IntegerField()
    has_more = serializers.BooleanField()
