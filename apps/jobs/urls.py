from django.urls import path

from . import apis

job_urls = [
    path("", apis.JobListApi.as_view(), name="job-list"),
    path("<int:pk>/", apis.JobDetailApi.as_view(), name="job-detail"),
    path("<int:pk>/cancel/", apis.JobCancelApi.as_view(), name="job-cancel"),
    path("<int:pk>/retry/", apis.JobRetryApi.as_view(), name="job-retry"),
    path("<int:pk>/events/", apis.JobEventsApi.as_view(), name="job-events"),
]

item_urls = [
    path("<int:pk>/", apis.ItemDetailApi.as_view(), name="item-detail"),
    path("<int:pk>/retry/", apis.ItemRetryApi.as_view(), name="item-retry"),
    path("<int:pk>/artifacts/<str:kind>/", apis.ItemArtifactApi.as_view(), name="item-artifact"),
]
