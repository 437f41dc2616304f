from django.urls import path

from caseway.records.views import PAGE_SETS, document_file, share_patient

app_name = "records"
urlpatterns = [
    path("documents/<int:pk>/file/", document_file, name="document_file"),
    path("patients/<int:pk>/share/", share_patient, name="patient_share"),
    *[url for pages in PAGE_SETS for url in pages.urls()],
]
