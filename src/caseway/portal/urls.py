"""The public portal: ``/portal/<lang>/...`` pages and the partners' JSON per center."""

from django.urls import path, re_path, register_converter

from caseway.portal import views

register_converter(views.ContentLanguageConverter, "portal_lang")

app_name = "portal"
urlpatterns = [
    path("", views.root, name="root"),
    path("centers/<slug:code>.json", views.center_json, name="center_json"),
    path("<portal_lang:lang>/", views.home, name="home"),
    path("<portal_lang:lang>/search/", views.search_page, name="search"),
    path(
        "<portal_lang:lang>/institutions/<slug:code>/", views.institution_page, name="institution"
    ),
    path("<portal_lang:lang>/centers/<slug:code>/", views.center_page, name="center"),
    path("<portal_lang:lang>/news/<int:pk>/", views.news_page, name="news"),
    re_path(r"^(?P<rest>.+/)$", views.unknown),  # the portal's own 404 page
]
