"""Included under `pharmacies.api_tokens.API_PATH_PREFIX` (/api/) by tiers_payant/urls.py:
every URL here authenticates by token, never by session."""

from django.urls import path

from claims import api

app_name = "api"

urlpatterns = [
    path("pharmacies/<int:pharmacy_id>/depots/", api.deposit, name="deposit"),
]
