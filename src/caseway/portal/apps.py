from django.apps import AppConfig

#: Models whose rows public pages show: saving or deleting one starts a new generation of
#: rendered pages (``pagecache``). The evidence refresh says so itself (it writes in bulk).
SHOWN_ON_PUBLIC_PAGES = (
    "organizations.Association",
    "organizations.Institution",
    "organizations.Center",
    "organizations.Department",
    "organizations.Clinician",
    "portal.Accreditation",
    "portal.CenterProfile",
    "portal.NewsItem",
    "tumorboard.Board",
)


class PortalConfig(AppConfig):
    name = "caseway.portal"
    verbose_name = "Public portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        from caseway.portal import pagecache, policies  # noqa: F401  (policies: the gate's)

        for label in SHOWN_ON_PUBLIC_PAGES:
            model = apps.get_model(label)
            for signal in (post_save, post_delete):
                signal.connect(
                    pagecache.changed_on_commit, sender=model, dispatch_uid=f"portal:{label}"
                )
