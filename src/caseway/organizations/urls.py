from caseway.organizations.views import PAGE_SETS

app_name = "organizations"
urlpatterns = [url for pages in PAGE_SETS for url in pages.urls()]
