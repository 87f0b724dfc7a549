from django.contrib import admin

from pharmacies.admin import AccessRuleAdmin

from backoffice.models import JobRun, ManagerAssignment


@admin.register(ManagerAssignment)
class ManagerAssignmentAdmin(AccessRuleAdmin):
    list_display = ["pharmacy", "manager", "assigned_at"]
    raw_id_fields = ["pharmacy", "manager"]


@admin.register(JobRun)
class JobRunAdmin(AccessRuleAdmin):
    list_display = ["pharmacy", "job", "period", "state", "attempts", "finished_at"]
    list_filter = ["job", "state"]
