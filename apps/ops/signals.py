"""Signal receivers of the ops app: imported once by OpsConfig.ready()."""

from . import tracing  # noqa: F401  (Celery publish/prerun/postrun receivers)
