from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import FILE_KINDS, ReportStatus
from .selectors import reports_of
from .serializers import ReportCreateSerializer, ReportSerializer
from .services import report_create, report_delete

CONTENT_TYPES = {
    "zip": "application/zip",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


class ReportListApi(generics.ListAPIView):
    """Your report packs, newest first."""

    error_statuses = {"post": (404, 503)}  # and the usual ones (apps/core/schema.py)

    serializer_class = ReportSerializer

    def get_queryset(self):
        return reports_of(user=self.request.user)

    @extend_schema(request=ReportCreateSerializer, responses={202: ReportSerializer})
    def post(self, request):
        """Ask for a report pack of a job (`job`) or of chosen charts (`items`): 202, then follow
        `report.status` / `report.progress` on the job's socket or on `/ws/jobs/`."""
        payload = ReportCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        report = report_create(
            owner=request.user,
            job_id=data.get("job"),
            item_ids=data.get("items"),
            title=data.get("title", ""),
            language=data.get("language", ""),
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class ReportDetailApi(generics.RetrieveDestroyAPIView):
    error_statuses = {"delete": (409,)}  # and the usual ones (apps/core/schema.py)
    serializer_class = ReportSerializer

    def get_queryset(self):
        return reports_of(user=self.request.user)

    def perform_destroy(self, instance):
        report_delete(report=instance)


class ReportFileApi(APIView):
    """Download a ready report's ZIP, PDF or PPTX (only its owner can)."""

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(CONTENT_TYPES))],
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in CONTENT_TYPES.values()},
    )
    def get(self, request, pk: int, kind: str):
        report = generics.get_object_or_404(reports_of(user=request.user), pk=pk)
        if kind not in FILE_KINDS or report.status != ReportStatus.SUCCESS or not report.file_field(kind):
            raise Http404
        slug = "".join(ch if ch.isalnum() else "-" for ch in report.title).strip("-")[:60] or "report"
        response = FileResponse(
            report.file_field(kind).open("rb"),
            content_type=CONTENT_TYPES[kind],
            as_attachment=True,
            filename=f"{slug}-{report.pk}.{kind}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=3600"
        return response
