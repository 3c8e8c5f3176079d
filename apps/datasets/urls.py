from django.urls import path

from . import apis

urlpatterns = [
    path("", apis.DatasetListApi.as_view(), name="dataset-list"),
    path("import/", apis.DatasetImportApi.as_view(), name="dataset-import"),
    path("<int:pk>/", apis.DatasetDetailApi.as_view(), name="dataset-detail"),
    path("<int:pk>/files/", apis.DatasetFilesApi.as_view(), name="dataset-files"),
    path("<int:pk>/files/<int:file_id>/", apis.DatasetFileDetailApi.as_view(), name="dataset-file-detail"),
    path("<int:pk>/aliases/", apis.DatasetAliasesApi.as_view(), name="dataset-aliases"),
    path("<int:pk>/records/", apis.DatasetRecordsApi.as_view(), name="dataset-records"),
]
