from django.urls import path

from . import apis

library_urls = [
    path("charts/", apis.ChartListApi.as_view(), name="library-chart-list"),
    path("charts/bulk/", apis.ChartBulkApi.as_view(), name="library-chart-bulk"),
    path("charts/<int:pk>/", apis.ChartDetailApi.as_view(), name="library-chart-detail"),
    path("charts/<int:pk>/publish/", apis.ChartPublishApi.as_view(), name="library-chart-publish"),
    path("charts/<int:pk>/unpublish/", apis.ChartUnpublishApi.as_view(), name="library-chart-unpublish"),
    path("tags/", apis.TagListApi.as_view(), name="library-tag-list"),
    path("tags/<int:pk>/", apis.TagDetailApi.as_view(), name="library-tag-detail"),
    path("groups/", apis.GroupListApi.as_view(), name="library-group-list"),
    path("groups/<int:pk>/", apis.GroupDetailApi.as_view(), name="library-group-detail"),
    path("retention/", apis.RetentionApi.as_view(), name="library-retention"),
]
