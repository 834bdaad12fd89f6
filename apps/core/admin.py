"""Admin building blocks shared by the apps, and the admin site's name."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# The platform's name instead of "Django site admin" in the admin's header and page titles.
admin.site.site_header = _("Dual Reporting")
admin.site.site_title = _("Dual Reporting")


class ReadOnlyAdmin(admin.ModelAdmin):
    """For models whose every change goes through a service (scope, state rules, audit) or that are append-only:
    the admin displays them; changes happen through admin actions that call the services, if at all."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
