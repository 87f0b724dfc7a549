from django.contrib import admin

from pharmacies.admin import AccessRuleAdmin

from backoffice.models import ManagerAssignment


@admin.register(ManagerAssignment)
class ManagerAssignmentAdmin(AccessRuleAdmin):
    list_display = ["pharmacy", "manager", "assigned_at"]
    raw_id_fields = ["pharmacy", "manager"]
