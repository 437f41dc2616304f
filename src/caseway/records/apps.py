from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "caseway.records"
    verbose_name = "Patient records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caseway.records import policies  # noqa: F401  (registers the gate's policies)
