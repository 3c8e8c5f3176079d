from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from .filters import NotificationFilter
from .selectors import notifications_of
from .serializers import MarkReadResultSerializer, MarkReadSerializer, NotificationSerializer
from .services import notifications_mark_read


class NotificationListApi(generics.ListAPIView):
    """Your notifications, newest first (`?unread=true` for the unread ones). Live: `notification`
    messages on `/ws/jobs/`."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        return notifications_of(user=self.request.user)


class NotificationMarkReadApi(APIView):
    @extend_schema(
        request=MarkReadSerializer, responses=MarkReadResultSerializer, operation_id="notifications_mark_read"
    )
    def post(self, request):
        """Mark notifications read: those listed in `ids`, or all of them."""
        payload = MarkReadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        marked = notifications_mark_read(user=request.user, ids=payload.validated_data.get("ids"))
        unread = notifications_of(user=request.user).filter(read_at__isnull=True).count()
        return Response({"marked": marked, "unread": unread})


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationSerializer, operation_id="notification_read")
    def post(self, request, pk: int):
        """Mark one notification read."""
        notification = generics.get_object_or_404(notifications_of(user=request.user), pk=pk)
        notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)
