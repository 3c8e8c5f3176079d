from __future__ import annotations

from rest_framework import serializers

from .models import Description, Provider

MODEL_NAME = r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$"  # e.g. gpt-4o-mini, llama3.1:8b, models/gemini-2.0-flash


class DescriptionSerializer(serializers.ModelSerializer):
    text = serializers.CharField(
        source="display_text", read_only=True, help_text="The edit if any, else `ai_text`."
    )
    ai_text = serializers.CharField(source="text", read_only=True, help_text="What the provider wrote.")
    edited = serializers.BooleanField(source="is_edited", read_only=True)
    cost_usd = serializers.DecimalField(max_digits=12, decimal_places=6, read_only=True, allow_null=True)

    class Meta:
        model = Description
        fields = [
            "id",
            "item",
            "generation",
            "status",
            "provider",
            "model",
            "language",
            "text",
            "ai_text",
            "edited",
            "edited_text",
            "edited_at",
            "user_context",
            "error",
            "prompt_version",
            "tokens_in",
            "tokens_out",
            "tokens_estimated",
            "latency_ms",
            "cost_usd",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class DescriptionDetailSerializer(DescriptionSerializer):
    """With the exact prompt and every call made: what an analyst needs to trust or debug a text."""

    class Meta(DescriptionSerializer.Meta):
        fields = [*DescriptionSerializer.Meta.fields, "prompt", "calls"]
        read_only_fields = fields


class DescribeRequestSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=Provider.choices, required=False, help_text="Default: the job's, else the server's."
    )
    model = serializers.RegexField(
        MODEL_NAME,
        max_length=100,
        required=False,
        help_text="openai only. Default: the job's, else AI_MODEL.",
    )
    language = serializers.ChoiceField(choices=[("en", "English"), ("es", "Español")], required=False)
    context = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Extra context for the model when asking again (ignored by the local describer).",
    )


class DescriptionEditSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=20_000,
        allow_blank=True,
        allow_null=True,
        help_text="The analyst's version; empty or null goes back to what the provider wrote.",
    )


class ProvidersSerializer(serializers.Serializer):
    default = serializers.CharField()
    available = serializers.ListField(child=serializers.CharField())
    model = serializers.CharField()
    fallback_models = serializers.ListField(child=serializers.CharField())
