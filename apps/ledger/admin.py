"""Admin for the ledger: records are read-only (decisions go through the services), the audit trail fully so."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin
from apps.core.errors import DomainError
from apps.ledger import audit_labels, services
from apps.ledger.models import AuditEntry, Certificate, SelfService, ServiceRecord


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
    list_filter = ["status", "source", "category", "community", "organ"]
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


@admin.register(SelfService)
class SelfServiceAdmin(ReadOnlyAdmin):
    """What members said about the services they registered (the records themselves are under service records)."""

    list_display = ["member", "place", "created_at"]
    search_fields = ["member__user__name", "place"]
    list_select_related = ["member__user"]


class _CodeFilter(admin.SimpleListFilter):
    """A filter on one of the audit trail's code columns, each code offered in words (apps/ledger/audit_labels.py)."""

    label = None  # a function of the code

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by().values_list(self.parameter_name, flat=True).distinct()
        return sorted(((code, type(self).label(code)) for code in codes), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset


class _ActionFilter(_CodeFilter):
    title = _("action")
    parameter_name = "action"
    label = staticmethod(audit_labels.action_label)


class _SubjectTypeFilter(_CodeFilter):
    title = _("subject type")
    parameter_name = "subject_type"
    label = staticmethod(lambda code: capfirst(audit_labels.subject_type_label(code)))


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Append-only: viewable, never added, changed or deleted by hand. Actions and subject types are stored as codes
    and shown in words; the search still matches the codes (e.g. `claim`)."""

    list_display = ["at", "subject", "subject_id", "action_shown", "actor", "reason"]
    list_filter = [_SubjectTypeFilter, _ActionFilter]
    search_fields = ["subject_type", "action", "reason"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    fields = ["at", "actor", "subject", "subject_id", "action_shown", "before", "after", "reason"]
    readonly_fields = fields

    @admin.display(description=_("subject type"), ordering="subject_type")
    def subject(self, entry):
        return capfirst(audit_labels.subject_type_label(entry.subject_type))

    @admin.display(description=_("action"), ordering="action")
    def action_shown(self, entry):
        label = audit_labels.action_label(entry.action)
        if str(label) == entry.action:
            return entry.action
        return format_html("{} <code>{}</code>", label, entry.action)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Issued certificates are a record of what was certified: viewable, never edited or deleted by hand."""

    list_display = ["number", "member", "period_start", "period_end", "total_minutes", "issuer_name", "issued_at"]
    search_fields = ["number", "verification_code", "member__user__name"]
    list_select_related = ["member__user"]
    date_hierarchy = "issued_at"
