from django.apps import AppConfig


class TumorBoardConfig(AppConfig):
    name = "caseway.tumorboard"
    label = "tumorboard"
    verbose_name = "Multidisciplinary tumor board"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caseway.tumorboard import policies  # noqa: F401  (registers the gate's policies)
