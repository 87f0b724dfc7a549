"""How the Backoffice mounts the staff worklists across pharmacies (used by a test)."""

from django.urls import include, path

from pharmacies.access import backoffice_view, visible_pharmacies
from rejections.pages import rejection_worklist_response, unpaid_worklist_response


@backoffice_view
def file_rejections(request):
    return rejection_worklist_response(request, pharmacies=visible_pharmacies(request.user))


@backoffice_view
def file_unpaid(request):
    return unpaid_worklist_response(request, pharmacies=visible_pharmacies(request.user))


urlpatterns = [
    path("", include("tiers_payant.urls")),
    path("bo/file/", file_rejections, name="file"),
    path("bo/impayes/", file_unpaid, name="file_unpaid"),
]
