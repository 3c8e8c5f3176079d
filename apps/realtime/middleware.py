"""Token authentication for WebSockets opened by scripts (`Authorization: Token <key>`).

Browsers authenticate with their session cookie (Channels' AuthMiddleware); this only fills in the
user when the session gave none.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware


@database_sync_to_async
def _user_for_token(key: str):
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token is not None and token.user.is_active else None


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            headers = dict(scope.get("headers", []))
            auth = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, key = auth.partition(" ")
            if scheme.lower() == "token" and key.strip():
                token_user = await _user_for_token(key.strip())
                if token_user is not None:
                    scope = {**scope, "user": token_user}
        return await super().__call__(scope, receive, send)
