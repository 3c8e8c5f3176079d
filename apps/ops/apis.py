from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import system_status
from .serializers import SystemSerializer


class SystemApi(APIView):
    """Staff only: the health of the task system (the checks of scripts/check_celery.py)."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses=SystemSerializer, operation_id="system_status")
    def get(self, request):
        return Response(SystemSerializer(system_status()).data)
