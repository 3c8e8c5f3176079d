from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import ApplicationError
from apps.jobs.selectors import items_visible_to

from .models import Description
from .providers import available_providers, default_provider
from .selectors import description_current, descriptions_of
from .serializers import (
    DescribeRequestSerializer,
    DescriptionDetailSerializer,
    DescriptionEditSerializer,
    DescriptionSerializer,
    ProvidersSerializer,
)
from .services import description_edit, description_request


def _current_or_404(item_id: int):
    description = description_current(item_id=item_id)
    if description is None:
        raise ApplicationError("This chart has no description yet.", code="not_found", status_code=404)
    return description


class ItemDescriptionApi(APIView):
    """The chart's current description (its latest generation), and the analyst's edit of it."""

    error_statuses = {"patch": (409,)}  # and the usual ones (apps/core/schema.py)

    @extend_schema(responses=DescriptionDetailSerializer)
    def get(self, request, pk: int):
        item = generics.get_object_or_404(items_visible_to(request.user), pk=pk)
        return Response(DescriptionDetailSerializer(_current_or_404(item.pk)).data)

    @extend_schema(request=DescriptionEditSerializer, responses=DescriptionSerializer)
    def patch(self, request, pk: int):
        """Edit the text; the provider's original stays in `ai_text`. Empty or null reverts."""
        item = generics.get_object_or_404(items_visible_to(request.user), pk=pk)
        payload = DescriptionEditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        description = description_edit(
            description=_current_or_404(item.pk), user=request.user, text=payload.validated_data["text"]
        )
        return Response(DescriptionSerializer(description).data)


class ItemDescriptionHistoryApi(generics.ListAPIView):
    """Every generation of the chart's description, newest first."""

    serializer_class = DescriptionSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no item
            return Description.objects.none()
        item = generics.get_object_or_404(items_visible_to(self.request.user), pk=self.kwargs["pk"])
        return descriptions_of(item_id=item.pk)


class ItemDescribeApi(APIView):
    error_statuses = {"post": (409, 429, 503)}  # and the usual ones (apps/core/schema.py)

    @extend_schema(request=DescribeRequestSerializer, responses={202: DescriptionSerializer})
    def post(self, request, pk: int):
        """Describe the chart now, or again (a new generation) with another provider, model or context.

        The text streams to the job's WebSocket as `description.delta` events, then `description.done`.
        """
        item = generics.get_object_or_404(items_visible_to(request.user).select_related("job"), pk=pk)
        payload = DescribeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        description = description_request(
            item=item,
            user=request.user,
            provider=data.get("provider"),
            model=data.get("model"),
            language=data.get("language"),
            user_context=data.get("context", ""),
        )
        return Response(DescriptionSerializer(description).data, status=status.HTTP_202_ACCEPTED)


class ProvidersApi(APIView):
    @extend_schema(responses=ProvidersSerializer)
    def get(self, request):
        """Which providers this server can use, and its default model (for the job wizard)."""
        return Response(
            {
                "default": default_provider(),
                "available": available_providers(),
                "model": settings.AI_MODEL,
                "fallback_models": settings.AI_FALLBACK_MODELS,
            }
        )
