"""ASGI entry point: Django for HTTP, Channels for WebSockets.

Django's application is built first (it sets up the app registry), then WebSockets are routed
through origin validation (Origin must match ALLOWED_HOSTS) and authentication (session cookie,
or a DRF token for scripts).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from apps.core.asgi import BodySizeLimitMiddleware  # noqa: E402
from apps.realtime.middleware import TokenAuthMiddleware  # noqa: E402
from apps.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Room above the upload cap for the multipart envelope and form fields.
        "http": BodySizeLimitMiddleware(
            django_asgi_app, max_bytes=settings.INTELLI_MAX_UPLOAD_BYTES + 1024 * 1024
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
