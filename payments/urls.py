from django.urls import path

from payments import views

app_name = "payments"

# Mounted under /pharmacies/<pharmacy_id>/paiements/.
urlpatterns = [
    path("", views.review, name="review"),
    path("propositions/<int:proposal_id>/accepter/", views.proposal_decide,
         {"decision": "accept"}, name="proposal_accept"),
    path("propositions/<int:proposal_id>/ecarter/", views.proposal_decide,
         {"decision": "dismiss"}, name="proposal_dismiss"),
    path("virements/<int:bank_line_id>/", views.bank_line_link, name="bank_line"),
    path("rapprochements/<int:reconciliation_id>/delier/", views.reconciliation_unlink,
         name="unlink"),
    path("non-rapproches/", views.unmatched, name="unmatched"),
    path("virements/<int:bank_line_id>/tiers-payant/", views.bank_line_tiers_payant,
         {"tiers_payant": True}, name="bank_line_in"),
    path("virements/<int:bank_line_id>/hors-tiers-payant/", views.bank_line_tiers_payant,
         {"tiers_payant": False}, name="bank_line_out"),
    path("regles/", views.bank_rules, name="rules"),
    path("regles/<int:rule_id>/supprimer/", views.bank_rule_delete, name="rule_delete"),
]
