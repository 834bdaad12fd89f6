"""Admin for the ledger: records are read-only (decisions go through the services), the audit trail fully so."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin
from apps.core.errors import DomainError
from apps.ledger import services
from apps.ledger.models import AuditEntry, Certificate, ServiceRecord


class AmendmentInline(admin.TabularInline):
    model = ServiceRecord
    fk_name = "amends"
    fields = ["credited_minutes", "residents_served", "decided_by", "decided_at", "decision_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("amendment")
    verbose_name_plural = _("amendments")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    """Editing a row here would bypass the audit trail and the own-service rule, so nothing is editable; pending
    records can be approved with the action, which calls the service as the signed-in user."""

    list_display = ["member", "content", "community", "organ", "started_at", "credited_minutes", "status", "amends"]
    list_filter = ["status", "source", "community", "organ"]
    search_fields = ["member__user__name", "content"]
    list_select_related = ["member__user", "community", "organ", "amends"]
    date_hierarchy = "started_at"
    inlines = [AmendmentInline]
    actions = ["approve_selected"]

    @admin.action(description=_("Approve the selected service records"))
    def approve_selected(self, request, queryset):
        done = 0
        for record in queryset.select_related("member"):
            try:
                services.record_approve(record=record, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{record}: {exc.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d approved.") % {"count": done}, messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Append-only: viewable, never added, changed or deleted by hand."""

    list_display = ["at", "subject_type", "subject_id", "action", "actor", "reason"]
    list_filter = ["subject_type", "action"]
    search_fields = ["subject_type", "action", "reason"]
    list_select_related = ["actor"]
    date_hierarchy = "at"


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Issued certificates are a record of what was certified: viewable, never edited or deleted by hand."""

    list_display = ["number", "member", "period_start", "period_end", "total_minutes", "issuer_name", "issued_at"]
    search_fields = ["number", "verification_code", "member__user__name"]
    list_select_related = ["member__user"]
    date_hierarchy = "issued_at"
