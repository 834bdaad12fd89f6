"""Admin for micro-wishes and their claims: read-only, because every change must go through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin
from apps.core.errors import DomainError
from apps.wishes import services
from apps.wishes.models import Wish, WishClaim, WishParticipant


class _ClaimInline(admin.TabularInline):
    model = WishClaim
    fields = ["member", "branch", "team", "claimed_by", "claimed_at", "claim_deadline", "status", "released_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Wish)
class WishAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "grid", "category", "form", "status", "deadline", "estimated_value"]
    list_filter = ["status", "category", "form", "community__street", "community"]
    search_fields = ["title", "community__name", "grid__name"]
    list_select_related = ["community", "grid"]
    date_hierarchy = "deadline"
    inlines = [_ClaimInline]
    actions = ["expire_selected"]

    @admin.action(description=_("Expire the selected wishes that are past their deadline"))
    def expire_selected(self, request, queryset):
        done = 0
        for wish in queryset:
            try:
                services.wish_expire(wish=wish, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{wish}: {exc.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d updated.") % {"count": done}, messages.SUCCESS)


class _ParticipantInline(admin.TabularInline):
    model = WishParticipant
    fields = ["member"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WishClaim)
class WishClaimAdmin(ReadOnlyAdmin):
    list_display = ["wish", "member", "branch", "claimed_at", "claim_deadline", "status"]
    list_filter = ["status"]
    search_fields = ["wish__title", "member__user__name", "branch__name"]
    list_select_related = ["wish", "member__user", "branch"]
    inlines = [_ParticipantInline]


@admin.register(WishParticipant)
class WishParticipantAdmin(ReadOnlyAdmin):
    list_display = ("claim", "member")
    list_select_related = ("claim__wish", "member__user")
    search_fields = ("member__user__name", "claim__wish__title")
