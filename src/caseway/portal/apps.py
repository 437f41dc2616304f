from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "caseway.portal"
    verbose_name = "Public portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caseway.portal import policies  # noqa: F401  (registers the gate's policies)
