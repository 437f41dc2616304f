from django.urls import path

from caseway.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.indicators, name="indicators"),
    path("indicators/<slug:indicator_id>/cases/", views.indicator_cases, name="indicator_cases"),
    path("surgeries/<int:pk>/sign/", views.sign_surgery, name="surgery_sign"),
    path("surgeries/<int:pk>/amend/", views.amend_surgery, name="surgery_amend"),
    path("import/", views.import_surgeries, name="import"),
    path("import/template.csv", views.import_template, {"kind": "csv"}, name="import_csv"),
    path("import/template.xlsx", views.import_template, {"kind": "xlsx"}, name="import_xlsx"),
    path("compare/", views.compare, name="compare"),
    path("volumes/", views.volumes, name="volumes"),
    path("report/", views.report, name="report"),
    *[url for pages in views.PAGE_SETS for url in pages.urls()],
]
