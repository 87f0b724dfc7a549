from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("pharmacies/<int:pharmacy_id>/rapports/", views.archive, name="archive"),
    path("pharmacies/<int:pharmacy_id>/rapports/<int:report_id>/pdf/", views.report_pdf, name="pdf"),
    path("pharmacies/<int:pharmacy_id>/rapports/statistiques/", views.statistics, name="statistics"),
    path("pharmacies/<int:pharmacy_id>/rapports/statistiques/rejets/", views.rejections, name="rejections"),
    path("pharmacies/<int:pharmacy_id>/rapports/statistiques/impayes/", views.unpaid, name="unpaid"),
    path("pharmacies/<int:pharmacy_id>/rapports/export/<slug:kind>.xlsx", views.export, name="export"),
    path("rapports/comparaison/", views.comparison, name="comparison"),
]

# The pharmacy's home page and its staff statistics are figures (this app), but keep their
# URLs and names under the `pharmacies` namespace, which the root URLs compose from
# `pharmacies.urls` and this list (pharmacies imports nothing above it).
pharmacy_pages = [
    path("<int:pharmacy_id>/", views.dashboard, name="dashboard"),
    path("<int:pharmacy_id>/statistiques/personnel/", views.staff_statistics, name="staff_statistics"),
]
