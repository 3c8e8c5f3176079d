"""The library API: the user's charts across jobs, tags, groups, publication and bulk actions.

Everything is scoped to the requesting user (staff included: a library is personal); another
user's chart, tag or group is a 404.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.ai.models import Description
from apps.core.exceptions import ApplicationError

from .filters import ChartFilter
from .models import ChartGroup, Tag
from .selectors import charts_of, draft_retention_days, groups_of, tags_of
from .serializers import (
    BulkResultSerializer,
    BulkSerializer,
    ChartSerializer,
    GroupSerializer,
    GroupWriteSerializer,
    RetentionSerializer,
    TagSerializer,
    TagWriteSerializer,
)
from .services import (
    BulkAction,
    charts_bulk,
    charts_publish,
    charts_unpublish,
    group_create,
    group_update,
    tag_create,
    tag_update,
)


class _ChartsMixin:
    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["descriptions"] = getattr(self, "_descriptions", {})
        return context

    def _load_descriptions(self, items) -> None:
        self._descriptions = Description.objects.current_for(item.pk for item in items)


class ChartListApi(_ChartsMixin, generics.ListAPIView):
    """Every chart of yours, across jobs: search (`q`) and filter; each draft says when it expires."""

    serializer_class = ChartSerializer
    filterset_class = ChartFilter

    def get_queryset(self):
        return charts_of(user=self.request.user)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        self._load_descriptions(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class ChartDetailApi(_ChartsMixin, generics.RetrieveAPIView):
    serializer_class = ChartSerializer

    def get_queryset(self):
        return charts_of(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        self._load_descriptions([item])
        return Response(self.get_serializer(item).data)


def _chart_response(view: _ChartsMixin, request, pk: int) -> Response:
    item = generics.get_object_or_404(charts_of(user=request.user), pk=pk)
    view._load_descriptions([item])
    return Response(ChartSerializer(item, context={"descriptions": view._descriptions}).data)


class ChartPublishApi(_ChartsMixin, APIView):
    @extend_schema(request=None, responses=ChartSerializer)
    def post(self, request, pk: int):
        """Publish a chart: it is kept whatever the draft retention says."""
        generics.get_object_or_404(charts_of(user=request.user), pk=pk)
        charts_publish(owner=request.user, item_ids=[pk])
        return _chart_response(self, request, pk)


class ChartUnpublishApi(_ChartsMixin, APIView):
    @extend_schema(request=None, responses=ChartSerializer)
    def post(self, request, pk: int):
        """Make a chart a draft again (draft retention applies from when it was drawn)."""
        generics.get_object_or_404(charts_of(user=request.user), pk=pk)
        charts_unpublish(owner=request.user, item_ids=[pk])
        return _chart_response(self, request, pk)


class ChartBulkApi(APIView):
    error_statuses = {"post": (404, 409)}  # and the usual ones (apps/core/schema.py)

    @extend_schema(request=BulkSerializer, responses=BulkResultSerializer)
    def post(self, request):
        """One action on many charts: tag, untag, add_to_group, remove_from_group, publish, unpublish,
        delete_drafts (deletes the files of unpublished charts; published ones are refused)."""
        payload = BulkSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        tag = group = None
        if "tag" in data:
            tag = Tag.objects.filter(owner=request.user, pk=data["tag"]).first()
            if tag is None:
                raise ApplicationError(
                    "Tag not found.", code="not_found", status_code=404, fields={"tag": ["Not found."]}
                )
        if "group" in data:
            group = ChartGroup.objects.filter(owner=request.user, pk=data["group"]).first()
            if group is None:
                raise ApplicationError(
                    "Group not found.", code="not_found", status_code=404, fields={"group": ["Not found."]}
                )
        changed = charts_bulk(
            owner=request.user,
            action=BulkAction(data["action"]),
            item_ids=data["items"],
            tag=tag,
            group=group,
        )
        return Response({"action": data["action"], "items": len(set(data["items"])), "changed": changed})


class TagListApi(generics.ListAPIView):
    error_statuses = {"post": (409,)}  # and the usual ones (apps/core/schema.py)
    serializer_class = TagSerializer
    pagination_class = None

    def get_queryset(self):
        return tags_of(user=self.request.user)

    @extend_schema(request=TagWriteSerializer, responses={201: TagSerializer})
    def post(self, request):
        payload = TagWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tag = tag_create(owner=request.user, name=payload.validated_data["name"])
        return Response(
            TagSerializer(tags_of(user=request.user).get(pk=tag.pk)).data, status=status.HTTP_201_CREATED
        )


class TagDetailApi(generics.RetrieveDestroyAPIView):
    error_statuses = {"patch": (409,)}  # and the usual ones (apps/core/schema.py)
    serializer_class = TagSerializer

    def get_queryset(self):
        return tags_of(user=self.request.user)

    @extend_schema(request=TagWriteSerializer, responses=TagSerializer)
    def patch(self, request, pk: int):
        """Rename a tag."""
        tag = self.get_object()
        payload = TagWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tag_update(tag=tag, name=payload.validated_data["name"])
        return Response(TagSerializer(self.get_queryset().get(pk=tag.pk)).data)


class GroupListApi(generics.ListAPIView):
    error_statuses = {"post": (409,)}  # and the usual ones (apps/core/schema.py)
    serializer_class = GroupSerializer
    pagination_class = None

    def get_queryset(self):
        return groups_of(user=self.request.user)

    @extend_schema(request=GroupWriteSerializer, responses={201: GroupSerializer})
    def post(self, request):
        payload = GroupWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        group = group_create(
            owner=request.user,
            name=payload.validated_data.get("name", ""),
            description=payload.validated_data.get("description", ""),
        )
        return Response(
            GroupSerializer(groups_of(user=request.user).get(pk=group.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class GroupDetailApi(generics.RetrieveDestroyAPIView):
    error_statuses = {"patch": (409,)}  # and the usual ones (apps/core/schema.py)
    serializer_class = GroupSerializer

    def get_queryset(self):
        return groups_of(user=self.request.user)

    @extend_schema(request=GroupWriteSerializer, responses=GroupSerializer)
    def patch(self, request, pk: int):
        """Rename a group or change its description."""
        group = self.get_object()
        payload = GroupWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        group_update(
            group=group,
            name=payload.validated_data.get("name"),
            description=payload.validated_data.get("description"),
        )
        return Response(GroupSerializer(self.get_queryset().get(pk=group.pk)).data)


class RetentionApi(APIView):
    @extend_schema(responses=RetentionSerializer)
    def get(self, request):
        """How long drafts are kept. Published charts and reports are never deleted by retention."""
        days = draft_retention_days()
        soon = 0
        if days:
            horizon = timezone.now() - timedelta(days=days) + timedelta(days=7)
            soon = (
                charts_of(user=request.user).filter(publication__isnull=True, finished_at__lt=horizon).count()
            )
        return Response(
            {
                "draft_retention_days": days,
                "drafts_expire": days > 0,
                "published_kept": True,
                "reports_kept": True,
                "expiring_within_7_days": soon,
            }
        )
