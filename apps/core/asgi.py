"""ASGI middleware: cap request bodies before Django spools them.

Django's ASGI handler reads the whole body before the view runs, so an upload cap in the view
would come after a multi-gigabyte body had been written to a temporary file. This refuses a
declared Content-Length over the cap at once, and stops reading a streamed body at the cap.
"""

from __future__ import annotations

import json


class BodySizeLimitMiddleware:
    def __init__(self, app, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > self.max_bytes:
            return await self._refuse(send)

        received = 0
        refused = False

        async def limited_receive():
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited_receive, send)
        if refused:
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        megabytes = self.max_bytes // (1024 * 1024)
        body = json.dumps(
            {
                "error": {
                    "code": "file_too_large",
                    "message": f"The request is larger than the {megabytes} MB limit.",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
