from caseway.records.views import PAGE_SETS

app_name = "records"
urlpatterns = [url for pages in PAGE_SETS for url in pages.urls()]
