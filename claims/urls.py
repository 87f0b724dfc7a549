"""Included under /pharmacies/<pharmacy_id>/imports/ (tiers_payant/urls.py)."""

from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.imports, name="imports"),
    path("<int:batch_id>/", views.batch, name="batch"),
    path("<int:batch_id>/confirmer/", views.confirm, name="confirm"),
    path("<int:batch_id>/annuler/", views.cancel, name="cancel"),
]
