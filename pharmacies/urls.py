from django.urls import path

from pharmacies import views

app_name = "pharmacies"

urlpatterns = [
    path("<int:pharmacy_id>/", views.dashboard, name="dashboard"),
]
