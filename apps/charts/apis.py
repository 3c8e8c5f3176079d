from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .analyses import catalog


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
