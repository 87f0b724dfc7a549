import contextlib

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pharmacies.access import scope, visible_pharmacies
from pharmacies.models import JobRun, Pharmacy, StaffMember, User

# A second factor's secret (and its QR code) is never shown, not even to a superuser:
# devices are managed by their owner on the account pages.
for device in (TOTPDevice, StaticDevice):
    with contextlib.suppress(NotRegistered):
        admin.site.unregister(device)


class AccessRuleAdmin(admin.ModelAdmin):
    """The admin's lists of tenant rows go through the access rule like every page:
    a supervisor sees the delegated pharmacies' rows, never another's."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return scope(queryset, request.user)


class StaffInline(admin.TabularInline):
    model = StaffMember
    extra = 0


@admin.register(Pharmacy)
class PharmacyAdmin(admin.ModelAdmin):
    list_display = ["name", "finess", "city", "delegation_mode", "delegation_hours_per_month"]
    list_filter = ["delegation_mode"]
    search_fields = ["name", "finess", "city"]
    inlines = [StaffInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset & visible_pharmacies(request.user)


@admin.register(User)
class AppUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Profil", {"fields": ["kind"]}))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """The Backoffice's people and the staff of the pharmacies the user may see."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            Q(kind__in=[User.Kind.MANAGER, User.Kind.SUPERVISOR])
            | Q(staff_member__pharmacy__in=visible_pharmacies(request.user))
        ).distinct()


@admin.register(JobRun)
class JobRunAdmin(AccessRuleAdmin):
    list_display = ["pharmacy", "job", "period", "state", "attempts", "finished_at"]
    list_filter = ["job", "state"]
