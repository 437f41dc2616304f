from django.urls import path

from caseway.accounts import views

app_name = "accounts"
urlpatterns = [
    path("me/", views.preferences, name="preferences"),
    path("me/api-tokens/", views.api_tokens, name="api_tokens"),
    path("me/api-tokens/<int:pk>/revoke/", views.revoke_api_token, name="revoke_api_token"),
    *[url for pages in views.PAGE_SETS for url in pages.urls()],
]
