"""Admin for activities and sign-ups: read-only, because every change goes through the services (scope, audit)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from apps.activities import services
from apps.activities.models import Activity, ActivitySeries, SignUp
from apps.core.admin import ReadOnlyAdmin
from apps.core.errors import DomainError


class _SignUpInline(admin.TabularInline):
    model = SignUp
    fields = ["member", "status", "signed_up_at", "promoted_at", "checked_in_at", "checked_out_at", "hours_status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["status", "signed_up_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "category", "status", "starts_at", "ends_at", "confirmed_count", "capacity"]
    list_filter = ["status", "category", "audience", "community__street", "community"]
    search_fields = ["title", "address", "community__name"]
    list_select_related = ["community"]
    date_hierarchy = "starts_at"
    exclude = ["checkin_secret"]
    inlines = [_SignUpInline]
    actions = ["promote_waitlist"]

    @admin.action(description=_("Give free places to the waitlist"))
    def promote_waitlist(self, request, queryset):
        promoted = 0
        for activity in queryset:
            try:
                promoted += len(services.waitlist_promote(activity=activity, actor=request.user))
            except DomainError as exc:
                self.message_user(request, f"{activity}: {exc.message}", messages.ERROR)
        self.message_user(request, _("%(count)s sign-ups promoted.") % {"count": promoted})


@admin.register(SignUp)
class SignUpAdmin(ReadOnlyAdmin):
    list_display = ["activity", "member", "status", "signed_up_at", "checked_in_at", "checked_out_at"]
    list_filter = ["status", "checkin_method", "hours_status"]
    search_fields = ["activity__title", "member__user__name", "member__user__phone"]
    list_select_related = ["activity", "member__user"]
    raw_id_fields = ["activity", "member", "record"]


@admin.register(ActivitySeries)
class ActivitySeriesAdmin(ReadOnlyAdmin):
    list_display = ["title", "created_by", "created_at"]
