from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import ApplicationError

from .filters import JobFilter
from .selectors import items_visible_to, job_events_after, jobs_visible_to
from .serializers import (
    EventPageSerializer,
    ItemSerializer,
    JobCreateSerializer,
    JobDetailSerializer,
    JobRetrySerializer,
    JobSerializer,
)
from .services import job_cancel, job_create, job_retry_failed

EVENTS_PAGE_SIZE = 500
ARTIFACT_FIELDS = {"png": "png", "svg": "svg", "csv": "data_csv", "json": "data_json"}
# What each artifact is served as: the chart's data is a JSON object, the others are files.
ARTIFACT_RESPONSES = {
    "image/png": OpenApiTypes.BINARY,
    "image/svg+xml": OpenApiTypes.STR,
    "text/csv": OpenApiTypes.STR,
    "application/json": OpenApiTypes.OBJECT,
}


class JobListApi(generics.ListAPIView):
    error_statuses = {"post": (503,)}  # and the usual ones (apps/core/schema.py)
    serializer_class = JobSerializer
    filterset_class = JobFilter

    def get_queryset(self):
        return jobs_visible_to(self.request.user)

    @extend_schema(
        request=JobCreateSerializer,
        responses={201: JobDetailSerializer, 200: JobDetailSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)
        ],
    )
    def post(self, request):
        """Create a job: one chart per analysis. 201 when created, 200 when the idempotency key matched."""
        payload = JobCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        job, created = job_create(
            owner=request.user,
            dataset_id=data["dataset"],
            analyses=data["analyses"],
            style=data.get("style") or {},
            title=data.get("title", ""),
            idempotency_key=request.headers.get("Idempotency-Key") or data.get("idempotency_key"),
            describe=data.get("describe", False),
            ai_provider=data.get("ai_provider", ""),
            ai_model=data.get("ai_model", ""),
        )
        return Response(
            JobDetailSerializer(job).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class JobDetailApi(generics.RetrieveAPIView):
    serializer_class = JobDetailSerializer

    def get_queryset(self):
        return jobs_visible_to(self.request.user).prefetch_related("items")


class JobCancelApi(APIView):
    error_statuses = {"post": (409,)}  # and the usual ones (apps/core/schema.py)

    @extend_schema(request=None, responses=JobSerializer)
    def post(self, request, pk: int):
        job = generics.get_object_or_404(jobs_visible_to(request.user), pk=pk)
        return Response(JobSerializer(job_cancel(job=job)).data)


class JobRetryApi(APIView):
    error_statuses = {"post": (409, 503)}  # and the usual ones (apps/core/schema.py)

    @extend_schema(request=JobRetrySerializer, responses=JobSerializer)
    def post(self, request, pk: int):
        """Retry failed and cancelled items (all of them, or those listed)."""
        job = generics.get_object_or_404(jobs_visible_to(request.user), pk=pk)
        payload = JobRetrySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return Response(
            JobSerializer(job_retry_failed(job=job, item_ids=payload.validated_data.get("items"))).data
        )


class JobEventsApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("after_seq", OpenApiTypes.INT, description="Events after this sequence number"),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"At most this many (≤ {EVENTS_PAGE_SIZE})"
            ),
        ],
        responses=EventPageSerializer,
    )
    def get(self, request, pk: int):
        """The job's event log after a sequence number, in order (what the WebSocket replays)."""
        job = generics.get_object_or_404(jobs_visible_to(request.user), pk=pk)
        try:
            after = int(request.query_params.get("after_seq", 0))
            limit = int(request.query_params.get("limit", EVENTS_PAGE_SIZE))
        except ValueError as exc:
            raise ApplicationError("after_seq and limit must be integers.", code="validation_error") from exc
        if after < 0 or not 1 <= limit <= EVENTS_PAGE_SIZE:
            raise ApplicationError(
                f"after_seq must be ≥ 0 and limit between 1 and {EVENTS_PAGE_SIZE}.", code="validation_error"
            )
        events = job_events_after(job_id=job.pk, after_seq=after, limit=limit)
        last = events[-1]["seq"] if events else after
        return Response({"events": events, "last_seq": last, "has_more": last < job.event_seq})


class ItemDetailApi(generics.RetrieveAPIView):
    serializer_class = ItemSerializer

    def get_queryset(self):
        return items_visible_to(self.request.user)


class ItemRetryApi(APIView):
    error_statuses = {"post": (409, 503)}  # and the usual ones (apps/core/schema.py)

    @extend_schema(request=None, responses=JobSerializer)
    def post(self, request, pk: int):
        item = generics.get_object_or_404(items_visible_to(request.user), pk=pk)
        return Response(JobSerializer(job_retry_failed(job=item.job, item_ids=[item.pk])).data)


class ItemArtifactApi(APIView):
    """Download a chart's PNG, SVG, CSV or JSON — only its owner (or staff) can."""

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(ARTIFACT_FIELDS))],
        responses={(200, media_type): body for media_type, body in ARTIFACT_RESPONSES.items()},
    )
    def get(self, request, pk: int, kind: str):
        item = generics.get_object_or_404(items_visible_to(request.user), pk=pk)
        field = ARTIFACT_FIELDS.get(kind)
        stored = getattr(item, field) if field else None
        if not stored:
            raise Http404
        filename = f"{item.job_id}-{item.position + 1:02d}-{item.analysis_key}.{kind}"
        content_type = mimetypes.types_map.get(f".{kind}", "application/octet-stream")
        if kind in ("svg", "csv"):
            content_type += "; charset=utf-8"
        response = FileResponse(
            stored.open("rb"),
            content_type=content_type,
            as_attachment=request.query_params.get("download") == "1",
            filename=filename,
        )
        # An SVG opened directly must not run scripts in our origin.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=3600"
        return response
