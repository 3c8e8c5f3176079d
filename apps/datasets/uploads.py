"""Refuse an upload past the size cap while it streams in, before it fills the disk.

Under ASGI the body is already capped by `apps.core.asgi.BodySizeLimitMiddleware`; this handler
covers WSGI and keeps temporary files bounded either way. It marks the request so the view can
answer 413 with a clear message.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.INTELLI_MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
