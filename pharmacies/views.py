from django.http import HttpRequest
from django.template.response import TemplateResponse

from pharmacies.access import pharmacy_view
from pharmacies.models import Pharmacy
from pharmacies.selectors import pharmacy_overview


@pharmacy_view
def dashboard(request: HttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    return TemplateResponse(
        request,
        "pharmacies/dashboard.html",
        {"pharmacy": pharmacy, "overview": pharmacy_overview(pharmacy=pharmacy)},
    )
