from django.urls import path

from pharmacies import views

app_name = "pharmacies"

urlpatterns = [
    path("<int:pharmacy_id>/", views.dashboard, name="dashboard"),
    path("<int:pharmacy_id>/personnel/", views.staff_list, name="staff"),
    path("<int:pharmacy_id>/personnel/nouveau/", views.staff_create, name="staff_create"),
    path("<int:pharmacy_id>/personnel/<int:staff_id>/", views.staff_edit, name="staff_edit"),
    path("<int:pharmacy_id>/statistiques/personnel/", views.staff_statistics, name="staff_statistics"),
]
