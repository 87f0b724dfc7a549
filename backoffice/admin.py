from django.contrib import admin

from backoffice.models import ManagerAssignment
from pharmacies.admin import AccessRuleAdmin


@admin.register(ManagerAssignment)
class ManagerAssignmentAdmin(AccessRuleAdmin):
    list_display = ["pharmacy", "manager", "assigned_at"]
    raw_id_fields = ["pharmacy", "manager"]
