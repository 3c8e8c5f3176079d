"""Development and laptop settings: what `make run` uses.

DEBUG stays off unless DJANGO_DEBUG=true: a laptop user runs the product, and no traceback should
reach a browser. Without DJANGO_SECRET_KEY a random key is generated once and kept in var/.
"""

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env

# Nobody runs Flower on a laptop by default: no task events (~5 ms a chart end to end; see base).
CELERY_WORKER_SEND_TASK_EVENTS = env.bool("CELERY_TASK_EVENTS", default=False)
CELERY_TASK_SEND_SENT_EVENT = CELERY_WORKER_SEND_TASK_EVENTS

if not SECRET_KEY:  # noqa: F405
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
