from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "caseway.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from caseway.audit import policies, signals  # noqa: F401
