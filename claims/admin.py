from django.contrib import admin

from claims.models import ImportBatch, Organism


@admin.register(Organism)
class OrganismAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "name", "operator", "usual_delay_days"]
    list_filter = ["kind", "operator"]
    search_fields = ["code", "name"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["file_name", "pharmacy", "kind", "status", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["pharmacy", "created_by"]
