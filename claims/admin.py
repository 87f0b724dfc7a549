from django.contrib import admin

from claims.models import ImportBatch, Organism, PatientDataAccess
from pharmacies.admin import AccessRuleAdmin


@admin.register(Organism)
class OrganismAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "name", "operator", "usual_delay_days"]
    list_filter = ["kind", "operator"]
    search_fields = ["code", "name"]


@admin.register(ImportBatch)
class ImportBatchAdmin(AccessRuleAdmin):
    list_display = ["file_name", "pharmacy", "kind", "status", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["pharmacy", "created_by"]


@admin.register(PatientDataAccess)
class PatientDataAccessAdmin(AccessRuleAdmin):
    """Read-only: the log is evidence, nobody edits it."""

    list_display = ["accessed_at", "user", "pharmacy", "claim", "page"]
    list_filter = ["page"]
    raw_id_fields = ["pharmacy", "claim", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
