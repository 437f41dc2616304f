from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "caseway.organizations"
    label = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from caseway.organizations import policies  # noqa: F401  (registers the gate policies)
