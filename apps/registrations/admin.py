"""Admin for registrations, posts, claims, pairings and evaluations: read-mostly, state changes go through services."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin
from apps.core.errors import DomainError
from apps.registrations import services
from apps.registrations.models import Evaluation, Pairing, Post, PostClaim, Registration


def _run_for_each(modeladmin, request, queryset, call):
    """Apply a service to every selected row, reporting each refusal instead of failing the whole batch."""
    done = 0
    for obj in queryset:
        try:
            call(obj)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, _("%(count)d updated.") % {"count": done}, messages.SUCCESS)


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["member", "community", "grid", "status", "submitted_at", "decided_at", "receipt_number"]
    list_filter = ["status", "community__street", "community"]
    search_fields = ["member__user__name", "address", "receipt_number", "community__name"]
    list_select_related = ["member__user", "community", "grid"]
    date_hierarchy = "submitted_at"
    actions = ["confirm_selected"]

    @admin.action(description=_("Confirm the selected registrations"))
    def confirm_selected(self, request, queryset):
        _run_for_each(
            self, request, queryset, lambda r: services.registration_confirm(registration=r, actor=request.user)
        )


class _ClaimInline(admin.TabularInline):
    model = PostClaim
    fields = ["member", "claimed_at", "released_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "kind", "capacity", "is_active"]
    list_filter = ["kind", "is_active", "community"]
    search_fields = ["title", "community__name"]
    list_select_related = ["community"]
    inlines = [_ClaimInline]
    actions = ["deactivate_selected"]

    @admin.action(description=_("Deactivate the selected posts"))
    def deactivate_selected(self, request, queryset):
        _run_for_each(self, request, queryset, lambda p: services.post_deactivate(actor=request.user, post=p))


@admin.register(PostClaim)
class PostClaimAdmin(ReadOnlyAdmin):
    list_display = ["post", "member", "claimed_at", "released_at"]
    list_filter = ["post__community", "post__kind"]
    search_fields = ["member__user__name", "post__title"]
    list_select_related = ["post", "member__user"]
    actions = ["release_selected"]

    @admin.action(description=_("Release the selected claims"))
    def release_selected(self, request, queryset):
        _run_for_each(self, request, queryset, lambda c: services.post_release(claim=c, actor=request.user))


@admin.register(Pairing)
class PairingAdmin(ReadOnlyAdmin):
    list_display = ["organ", "party_org", "community", "starts_on", "ends_on"]
    list_filter = ["organ", "community"]
    search_fields = ["organ__name", "community__name", "projects"]
    list_select_related = ["organ", "party_org", "community"]
    actions = ["end_today"]

    @admin.action(description=_("End the selected pairings today"))
    def end_today(self, request, queryset):
        today = timezone.localdate()

        def end(pairing):
            services.pairing_end(actor=request.user, pairing=pairing, ends_on=today)

        _run_for_each(self, request, queryset, end)


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    """Written by the community's staff through the service (scope, rules, audit); the admin only reads them."""

    list_display = ["year", "member", "community", "grade", "evaluated_by", "evaluated_at"]
    list_filter = ["year", "grade", "community"]
    search_fields = ["member__user__name", "community__name", "comment"]
    list_select_related = ["member__user", "community", "evaluated_by"]
    date_hierarchy = "evaluated_at"
