from django.urls import path

from . import apis

notification_urls = [
    path("", apis.NotificationListApi.as_view(), name="notification-list"),
    path("read/", apis.NotificationMarkReadApi.as_view(), name="notification-mark-read"),
    path("<int:pk>/read/", apis.NotificationReadApi.as_view(), name="notification-read"),
]
