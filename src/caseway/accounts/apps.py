from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "caseway.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from caseway.accounts import policies  # noqa: F401  (registers the gate policies)
