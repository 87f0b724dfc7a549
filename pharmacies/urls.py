from django.urls import path

from pharmacies import views

app_name = "pharmacies"

# The home page and the staff statistics are added to this namespace from `reports.urls`
# by the root URLs (`tiers_payant/urls.py`).

urlpatterns = [
    path("<int:pharmacy_id>/personnel/", views.staff_list, name="staff"),
    path("<int:pharmacy_id>/personnel/nouveau/", views.staff_create, name="staff_create"),
    path("<int:pharmacy_id>/personnel/<int:staff_id>/", views.staff_edit, name="staff_edit"),
    path("<int:pharmacy_id>/depot-automatique/", views.deposit_tokens, name="deposit_tokens"),
    path(
        "<int:pharmacy_id>/depot-automatique/<int:token_id>/revoquer/",
        views.deposit_token_revoke,
        name="deposit_token_revoke",
    ),
]
