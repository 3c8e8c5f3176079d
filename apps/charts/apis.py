from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .analyses import REGISTRY, catalog


class AnalysisSerializer(serializers.Serializer):
    key = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    params_schema = serializers.DictField()
    requires = serializers.ListField(child=serializers.CharField())
    requires_by_param = serializers.DictField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    )


class AnalysisListApi(APIView):
    @extend_schema(responses=AnalysisSerializer(many=True))
    def get(self, request):
        """The analyses this server offers, with their parameters (JSON Schema) and required fields."""
        return Response(catalog())


class AnalysisThumbnailApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("lang", str, enum=["en", "es"], description="Language of the chart's text."),
            OpenApiParameter(
                "v", int, description="The analysis version (ignored; lets browsers cache each version)."
            ),
        ],
        responses={(200, "image/png"): OpenApiTypes.BINARY},
    )
    def get(self, request, key: str):
        """A small PNG of the analysis, drawn by its real renderer from a built-in sample dataset."""
        from .thumbnails import thumbnail_png  # loads matplotlib on first use only

        if key not in REGISTRY:
            raise Http404
        path = thumbnail_png(key=key, language=request.query_params.get("lang", "en"))
        response = FileResponse(path.open("rb"), content_type="image/png")
        response["Cache-Control"] = "private, max-age=86400"
        response["X-Content-Type-Options"] = "nosniff"
        return response
