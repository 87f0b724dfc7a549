from django.contrib import admin

from rejections.models import RejectionReason


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "payer_kind", "label", "category", "fault", "to_classify"]
    list_filter = ["payer_kind", "category", "fault", "to_classify"]
    search_fields = ["code", "label"]
