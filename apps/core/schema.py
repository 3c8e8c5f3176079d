"""The OpenAPI schema documents the error responses, not only the happy path.

Every error the API returns has one shape (`apps.core.exceptions`). drf-spectacular documents
what a view returns when all goes well; `AutoSchema` adds, to each operation, the error statuses it
can answer with that shape, so that a client (and Schemathesis, which checks every response against
the schema) knows them:

- 400 when the operation reads input (a body or query parameters), and 413 and 415 when it reads
  a body (too large or too many fields; a content type it does not parse);
- 401 and 403 when it needs a signed-in user, 403 also on writes (CSRF on session writes);
- 404 when its path names an object (not yours or not there);
- 429 when it is throttled;
- whatever the view declares for one method in `error_statuses`, e.g.
  `error_statuses = {"post": (409, 503)}`: a conflict with the object's state, the broker being
  down (`ensure_broker_reachable`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.permissions import AllowAny

DESCRIPTIONS = {
    400: "Invalid input: `fields` names what is wrong.",
    401: "Not signed in (token authentication).",
    403: "Not signed in (session), CSRF token missing, or not allowed.",
    404: "Not found, or not yours.",
    409: "Conflicts with the current state of the object.",
    413: "The upload or request is too large.",
    415: "The body's content type is not one this operation reads.",
    429: "Too many requests; try again later.",
    503: "The task queue is unreachable; nothing was created. Try again shortly.",
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")


class ApiErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(required=False, help_text="Per-field messages, for validation errors.")


class ApiErrorSerializer(serializers.Serializer):
    error = ApiErrorDetailSerializer()


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = {"application/json": {"schema": self.resolve_serializer(ApiErrorSerializer, "response").ref}}
        responses = operation["responses"]
        for status in self._error_statuses(operation):
            responses.setdefault(str(status), {"content": error, "description": DESCRIPTIONS[status]})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> set[int]:
        parameters = operation.get("parameters", [])
        statuses = set(getattr(self.view, "error_statuses", {}).get(self.method.lower(), ()))
        if "requestBody" in operation:
            statuses |= {400, 413, 415}
        if any(p["in"] == "query" for p in parameters):
            statuses.add(400)
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            statuses |= {401, 403}
        if self.method in WRITES:
            statuses.add(403)
        if any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses
