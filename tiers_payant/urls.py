from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from backoffice import payer_views, views
from pharmacies import account_views, two_factor_views
from pharmacies import urls as pharmacies_urls
from pharmacies.api_tokens import API_PATH_PREFIX
from reports import urls as reports_urls
from tiers_payant import health

admin.site.site_header = "Administration du tiers-payant"
admin.site.site_title = "Tiers-payant"


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Browsers and tools ask /favicon.ico before (or without) reading the page's <link>.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


backoffice_patterns = (
    [
        path("portefeuille/", views.portfolio, name="portfolio"),
        path("supervision/", views.supervision, name="supervision"),
        path(
            "supervision/pharmacies/<int:pharmacy_id>/reaffectation/",
            views.reassign,
            name="reassign",
        ),
        path("file/", views.work_queue, name="work_queue"),
        path("file/impayes/", views.work_queue_unpaid, name="work_queue_unpaid"),
        path(
            "supervision/pharmacies/<int:pharmacy_id>/delegation/",
            views.delegation_edit,
            name="delegation_edit",
        ),
        path("payeurs/", payer_views.payers, name="payers"),
        path("payeurs/<int:organism_id>/", payer_views.payer, name="payer"),
        path("modeles/", views.letter_templates, name="letter_templates"),
        path("modeles/nouveau/", views.letter_template_edit, name="letter_template_new"),
        path("modeles/<int:template_id>/", views.letter_template_edit, name="letter_template_edit"),
        path("pharmacies/<int:pharmacy_id>/", views.pharmacy_home, name="pharmacy"),
        path("pharmacies/<int:pharmacy_id>/relances/", views.reminders, name="reminders"),
        path(
            "pharmacies/<int:pharmacy_id>/relances/<int:reminder_id>/",
            views.reminder_detail,
            name="reminder_detail",
        ),
        path(
            "pharmacies/<int:pharmacy_id>/relances/<int:reminder_id>/pdf/",
            views.reminder_pdf,
            name="reminder_pdf",
        ),
        path("pharmacies/<int:pharmacy_id>/contacts/", views.contacts, name="contacts"),
        path("pharmacies/<int:pharmacy_id>/temps/", views.time_entries, name="time"),
        path("pharmacies/<int:pharmacy_id>/repartition/", views.delegation_rules, name="rules"),
        path("pharmacies/<int:pharmacy_id>/diagnostic/", views.diagnostic, name="diagnostic"),
        path(
            "pharmacies/<int:pharmacy_id>/diagnostic.pdf",
            views.diagnostic_pdf,
            name="diagnostic_pdf",
        ),
    ],
    "backoffice",
)

# A payer seen from one pharmacy (issue 20): in the `pharmacies` namespace with its other pages.
payer_pages = [
    path("<int:pharmacy_id>/payeurs/", payer_views.pharmacy_payers, name="payers"),
    path("<int:pharmacy_id>/payeurs/<int:organism_id>/", payer_views.pharmacy_payer, name="payer"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("comptes/", include("django.contrib.auth.urls")),
    path("comptes/securite/", account_views.security, name="account_security"),
    path("comptes/resume-quotidien/", account_views.daily_digest, name="account_daily_digest"),
    path("comptes/email/<str:token>/", account_views.email_confirm, name="account_email_confirm"),
    path("comptes/2fa/activer/", two_factor_views.setup, name="two_factor_setup"),
    path("comptes/2fa/verifier/", two_factor_views.verify, name="two_factor_verify"),
    path("comptes/2fa/codes/", two_factor_views.recovery_codes, name="two_factor_recovery_codes"),
    path("comptes/2fa/desactiver/", two_factor_views.disable, name="two_factor_disable"),
    path(
        "comptes/securite/autres-sessions/",
        account_views.end_other_sessions,
        name="account_end_other_sessions",
    ),
    # One `pharmacies` namespace: the staff pages, the home page and staff statistics (reports).
    path("pharmacies/", include((pharmacies_urls.urlpatterns + reports_urls.pharmacy_pages + payer_pages, "pharmacies"))),
    # Reports: /pharmacies/<id>/rapports/… and /rapports/comparaison/
    path("", include("reports.urls")),
    path("pharmacies/<int:pharmacy_id>/", include("rejections.urls")),
    path("pharmacies/<int:pharmacy_id>/paiements/", include("payments.urls")),
    path("pharmacies/<int:pharmacy_id>/imports/", include("claims.urls")),
    path("backoffice/", include(backoffice_patterns)),
    # Machines deposit files with a token (claims.api); the body limit knows this prefix.
    path(API_PATH_PREFIX.lstrip("/"), include("claims.api_urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    # For the proxy and the orchestrator (docker-compose.yml healthchecks).
    path("sante/", health.health, name="health"),
]
