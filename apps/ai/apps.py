from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "apps.ai"
    label = "ai"
    verbose_name = "AI descriptions"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
