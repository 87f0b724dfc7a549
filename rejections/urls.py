"""Mounted under /pharmacies/<pharmacy_id>/ by the root URLconf (namespace `rejections`)."""

from django.urls import path

from rejections import views

app_name = "rejections"

urlpatterns = [
    path("rejets/", views.rejection_list, name="list"),
    path("rejets/<int:pk>/", views.rejection_detail, name="detail"),
    path("rejets/<int:pk>/statut/", views.rejection_change_status, name="change_status"),
    path("rejets/<int:pk>/traiter/", views.rejection_resolve, name="resolve"),
    path("rejets/<int:pk>/attribution/", views.rejection_assign, name="assign"),
    path("rejets/<int:pk>/repartition/", views.rejection_set_handler, name="set_handler"),
    path("rejets/<int:pk>/commentaires/", views.rejection_add_comment, name="comment"),
    path("rejets/<int:pk>/pieces/", views.rejection_add_attachment, name="attach"),
    path(
        "rejets/<int:pk>/pieces/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("impayes/", views.unpaid_list, name="unpaid"),
]
