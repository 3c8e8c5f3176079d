"""The shape of `/api/v1/system/`, published in the OpenAPI schema for the UI's system page."""

from rest_framework import serializers


class CheckSerializer(serializers.Serializer):
    name = serializers.ChoiceField(
        choices=["broker", "result_backend", "channel_layer", "eager_mode", "workers", "tasks", "queues"]
    )
    ok = serializers.BooleanField()
    summary = serializers.CharField(help_text="One line for humans, e.g. 'redis://… answered in 1.2 ms'.")
    hint = serializers.CharField(allow_blank=True, help_text="What to do about a failure ('' when none).")
    latency_ms = serializers.FloatField(allow_null=True)
    details = serializers.DictField(help_text="The facts behind the check (shape varies per check).")


class WorkerSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Celery hostname, e.g. charts_cpu@server1.")
    queues = serializers.ListField(child=serializers.CharField())


class QueueSerializer(serializers.Serializer):
    name = serializers.CharField()
    depth = serializers.IntegerField(allow_null=True, help_text="Messages waiting; null when unknown.")
    oldest_age_s = serializers.FloatField(allow_null=True, help_text="Redis broker only; null otherwise.")
    consumers = serializers.ListField(child=serializers.CharField(), help_text="Workers consuming it.")


class FailureSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    job = serializers.IntegerField()
    analysis = serializers.CharField()
    error = serializers.CharField()
    finished_at = serializers.DateTimeField(allow_null=True)


class SystemSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="True when every check passed.")
    checked_at = serializers.DateTimeField()
    checks = CheckSerializer(many=True)
    workers = WorkerSerializer(many=True)
    queues = QueueSerializer(many=True)
    recent_failures = FailureSerializer(many=True, help_text="The latest failed chart items.")
