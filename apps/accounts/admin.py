"""Admin for users (phone login), role assignments and the log of one-time codes."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import LoginSession, OneTimeCode, RoleAssignment, User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("phone", "name")


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ("community", "grid", "party_org", "organ", "district", "street")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("phone",)
    list_display = ("phone", "name", "is_active", "is_staff", "is_superuser", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("phone", "name")
    inlines = [RoleInline]
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        (_("Personal info"), {"fields": ("name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("phone", "name", "password1", "password2")}),)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "community", "grid", "party_org", "organ", "district", "street")
    list_filter = ("role",)
    search_fields = ("user__phone", "user__name")
    raw_id_fields = ("user", "community", "grid", "party_org", "organ", "district", "street")


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    """Read only: the help desk sees whether and when a code was asked for and used, never the code (only its hash
    is stored, and that is not shown either)."""

    list_display = ("phone", "purpose", "created_at", "expires_at", "used_at", "attempts", "ip")
    list_filter = ("purpose",)
    search_fields = ("phone",)
    date_hierarchy = "created_at"
    fields = ("phone", "purpose", "created_at", "expires_at", "used_at", "attempts", "ip")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LoginSession)
class LoginSessionAdmin(admin.ModelAdmin):
    """Who is signed in until when, never the session's data; deleting a row signs that browser out."""

    list_display = ("user", "expire_date")
    search_fields = ("user__phone", "user__name")
    date_hierarchy = "expire_date"
    fields = ("user", "expire_date")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
