"""The portal's staff pages, mounted at /manage/portal/ (the public portal has its own URLs)."""

from caseway.portal.staff_views import urlpatterns as _patterns

app_name = "portal_staff"
urlpatterns = _patterns()
