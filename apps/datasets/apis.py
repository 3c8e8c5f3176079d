from __future__ import annotations

from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import ApplicationError

from .selectors import dataset_alias_suggestions, dataset_records, datasets_visible_to
from .serializers import (
    AliasesInputSerializer,
    AliasesSerializer,
    DatasetDetailSerializer,
    DatasetFilesUploadSerializer,
    DatasetImportSerializer,
    DatasetRecordsQuerySerializer,
    DatasetRecordsSerializer,
    DatasetSerializer,
    DatasetUploadSerializer,
)
from .services import (
    dataset_add_files,
    dataset_create,
    dataset_import_url,
    dataset_remove_file,
    dataset_set_aliases,
)


def _uploads(request) -> list:
    """Every file of a multipart body: `file` (repeatable) and `files`."""
    if getattr(request._request, "upload_too_large", False):
        raise _too_large()
    return [*request.FILES.getlist("file"), *request.FILES.getlist("files")]


class DatasetListApi(generics.ListAPIView):
    error_statuses = {"post": (503,)}  # and the usual ones (apps/core/schema.py)
    serializer_class = DatasetSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["status", "detected_format"]

    def get_queryset(self):
        return datasets_visible_to(self.request.user)

    @extend_schema(
        request={"multipart/form-data": DatasetUploadSerializer}, responses={201: DatasetSerializer}
    )
    def post(self, request):
        """Upload one export, or several to combine; they are read in the background (watch `status`)."""
        upload = DatasetUploadSerializer(
            data=request.data
        )  # parses the body, through the size-capped handler
        uploads = _uploads(request)
        upload.is_valid(raise_exception=True)
        dataset = dataset_create(
            owner=request.user, uploads=uploads, name=upload.validated_data.get("name", "")
        )
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


class DatasetImportApi(APIView):
    error_statuses = {"post": (503,)}  # and the usual ones (apps/core/schema.py)
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=DatasetImportSerializer, responses={201: DatasetSerializer})
    def post(self, request):
        """Import an export from a URL on the public internet; it is fetched and read in the background.

        Private and special addresses (loopback, 10/8, 172.16/12, 192.168/16, link-local and the
        cloud metadata address, IPv6 unique-local, ...) are refused, whether the URL, its DNS answer
        or a redirect leads there; the file is capped like an upload.
        """
        payload = DatasetImportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dataset = dataset_import_url(
            owner=request.user, url=payload.validated_data["url"], name=payload.validated_data.get("name", "")
        )
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


def _too_large() -> ApplicationError:
    from django.conf import settings

    return ApplicationError(
        f"The file is larger than the {settings.INTELLI_MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit.",
        code="file_too_large",
        status_code=413,
    )


class DatasetDetailApi(generics.RetrieveDestroyAPIView):
    error_statuses = {"delete": (409,)}  # and the usual ones (apps/core/schema.py)
    serializer_class = DatasetDetailSerializer

    def get_queryset(self):
        return datasets_visible_to(self.request.user)

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError as exc:
            raise ApplicationError(
                "This dataset has jobs; delete its jobs first.", code="conflict", status_code=409
            ) from exc


class DatasetFilesApi(APIView):
    error_statuses = {"post": (409, 503)}  # and the usual ones (apps/core/schema.py)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": DatasetFilesUploadSerializer},
        responses={201: DatasetDetailSerializer},
    )
    def post(self, request, pk: int):
        """Add exports to a dataset; it is read again (409 while it is being read or a job uses it)."""
        dataset = get_object_or_404(datasets_visible_to(request.user), pk=pk)
        DatasetFilesUploadSerializer(data=request.data).is_valid(raise_exception=True)
        dataset = dataset_add_files(dataset=dataset, uploads=_uploads(request))
        return Response(DatasetDetailSerializer(dataset).data, status=status.HTTP_201_CREATED)


class DatasetFileDetailApi(APIView):
    error_statuses = {"delete": (409, 503)}  # and the usual ones (apps/core/schema.py)

    @extend_schema(request=None, responses={200: DatasetDetailSerializer})
    def delete(self, request, pk: int, file_id: int):
        """Take an export out of a dataset (not its last one); the dataset is read again from the rest."""
        dataset = get_object_or_404(datasets_visible_to(request.user), pk=pk)
        dataset = dataset_remove_file(dataset=dataset, file_id=file_id)
        return Response(DatasetDetailSerializer(dataset).data)


class DatasetAliasesApi(APIView):
    parser_classes = [JSONParser]

    def _dataset(self, request, pk: int):
        return get_object_or_404(datasets_visible_to(request.user), pk=pk)

    def _response(self, dataset) -> Response:
        body = {"aliases": dataset.applicant_aliases or {}, "suggestions": dataset_alias_suggestions(dataset)}
        return Response(AliasesSerializer(body).data)

    @extend_schema(responses={200: AliasesSerializer})
    def get(self, request, pk: int):
        """The dataset's applicant aliases, and names that look like one organisation written several ways."""
        return self._response(self._dataset(request, pk))

    @extend_schema(request=AliasesInputSerializer, responses={200: AliasesSerializer})
    def put(self, request, pk: int):
        """Replace every alias (an empty object removes them all)."""
        return self._write(request, pk, replace=True)

    @extend_schema(request=AliasesInputSerializer, responses={200: AliasesSerializer})
    def patch(self, request, pk: int):
        """Add or change some aliases; a null value removes one."""
        return self._write(request, pk, replace=False)

    def _write(self, request, pk: int, *, replace: bool) -> Response:
        dataset = self._dataset(request, pk)
        body = AliasesInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dataset = dataset_set_aliases(
            dataset=dataset, aliases=body.validated_data["aliases"], replace=replace
        )
        return self._response(dataset)


class DatasetRecordsApi(APIView):
    error_statuses = {"get": (409,)}  # not ready, or not record-level; and the usual ones

    @extend_schema(
        parameters=[DatasetRecordsQuerySerializer],
        responses={200: DatasetRecordsSerializer},
    )
    def get(self, request, pk: int):
        """A page of the dataset's publications (record-level exports), for a preview.

        409 while the dataset is being read, or when it holds counts rather than publications (an
        Espacenet Filters export: its summary's facets are its preview).
        """
        dataset = get_object_or_404(datasets_visible_to(request.user), pk=pk)
        query = DatasetRecordsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = dataset_records(dataset, **query.validated_data)
        return Response(DatasetRecordsSerializer(body).data)
