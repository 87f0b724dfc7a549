from django.apps import AppConfig


class PharmaciesConfig(AppConfig):
    name = "pharmacies"
    verbose_name = "Pharmacies"
