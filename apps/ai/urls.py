from django.urls import path

from . import apis

# Mounted under items/ beside apps.jobs' item routes.
item_urls = [
    path("<int:pk>/description/", apis.ItemDescriptionApi.as_view(), name="item-description"),
    path("<int:pk>/descriptions/", apis.ItemDescriptionHistoryApi.as_view(), name="item-descriptions"),
    path("<int:pk>/describe/", apis.ItemDescribeApi.as_view(), name="item-describe"),
]

ai_urls = [
    path("providers/", apis.ProvidersApi.as_view(), name="ai-providers"),
]
