"""Development and laptop settings: what `make run` uses.

DEBUG stays off unless DJANGO_DEBUG=true: a laptop user runs the product, and no traceback should
reach a browser. Without DJANGO_SECRET_KEY a random key is generated once and kept in var/.
"""

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR

if not SECRET_KEY:  # noqa: F405
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
