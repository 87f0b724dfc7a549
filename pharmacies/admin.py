from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from pharmacies.models import Pharmacy, StaffMember, User


class StaffInline(admin.TabularInline):
    model = StaffMember
    extra = 0


@admin.register(Pharmacy)
class PharmacyAdmin(admin.ModelAdmin):
    list_display = ["name", "finess", "city", "delegation_mode", "delegation_hours_per_month"]
    list_filter = ["delegation_mode"]
    search_fields = ["name", "finess", "city"]
    inlines = [StaffInline]


@admin.register(User)
class AppUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("Profil", {"fields": ["kind"]}),)
