"""System checks shown by `manage.py check` and at every start."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility)
def eager_mode_check(app_configs, **kwargs):
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return [
            Warning(
                "CELERY_TASK_ALWAYS_EAGER is on: every task runs inline inside the web request, no worker "
                "or queue is used, and requests block for as long as the work takes.",
                hint="Use it only to debug. Unset CELERY_TASK_ALWAYS_EAGER to run tasks on the workers.",
                id="intelli.W001",
            )
        ]
    return []
