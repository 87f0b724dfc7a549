from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from backoffice import views

backoffice_patterns = (
    [
        path("portefeuille/", views.portfolio, name="portfolio"),
        path("supervision/", views.supervision, name="supervision"),
    ],
    "backoffice",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("comptes/", include("django.contrib.auth.urls")),
    path("pharmacies/", include("pharmacies.urls")),
    path("pharmacies/<int:pharmacy_id>/", include("rejections.urls")),
    path("backoffice/", include(backoffice_patterns)),
    path("admin/", admin.site.urls),
]
