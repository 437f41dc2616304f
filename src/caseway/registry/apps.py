from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "caseway.registry"
    verbose_name = "Surgical registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caseway.registry import policies  # noqa: F401  (registers the gate's policies)
