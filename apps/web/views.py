"""The single-page app: `frontend/dist/index.html` for every path the browser may open.

WhiteNoise serves the bundle's files (`/assets/…`, from WHITENOISE_ROOT); every other path that is
not the API, the admin, static files or a WebSocket gets the app's `index.html`, and the client
router takes it from there. The page sets the CSRF cookie, so the app's first write needs no
extra round trip, and carries the signed-in user (what `auth/me/` would answer, as escaped JSON),
so the first screen does not wait for that request.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import json_script
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

MISSING_BUILD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Intelli</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Intelli</h1>
<p>The web UI has not been built yet. <code>make run</code> builds it (it needs Node.js 20 and npm),
or run <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>.</p>
<p>Meanwhile: the <a href="/api/v1/docs/">API documentation</a> and the <a href="/admin/">admin</a>.</p>
</body></html>
"""


def dist_dir() -> Path:
    return Path(settings.WHITENOISE_ROOT)


@lru_cache(maxsize=4)
def _read_index(path: str, mtime_ns: int) -> str:
    return Path(path).read_text(encoding="utf-8")


def index_html() -> str | None:
    path = dist_dir() / "index.html"
    try:
        return _read_index(str(path), path.stat().st_mtime_ns)  # rebuilt bundles are picked up
    except FileNotFoundError:
        return None


@require_safe
@ensure_csrf_cookie
def spa(request: HttpRequest, path: str = "") -> HttpResponse:
    html = index_html()
    if html is None:
        return HttpResponse(MISSING_BUILD, status=503, content_type="text/html; charset=utf-8")
    if request.user.is_authenticated:
        from apps.accounts.apis import UserSerializer

        me = json_script(UserSerializer(request.user).data, "intelli-me")
        html = html.replace("</head>", f"{me}</head>", 1)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    # The page names hashed assets: always revalidate it so a new build shows at once.
    response["Cache-Control"] = "no-cache"
    return response
