from django.urls import path

from . import apis

report_urls = [
    path("", apis.ReportListApi.as_view(), name="report-list"),
    path("<int:pk>/", apis.ReportDetailApi.as_view(), name="report-detail"),
    path("<int:pk>/files/<str:kind>/", apis.ReportFileApi.as_view(), name="report-file"),
]
