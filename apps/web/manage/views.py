"""Management pages: the import flow (template → upload → checked a chunk at a time → preview → confirm → result)
and the import history. Every change is a POST calling one service of apps/imports."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from apps.core.errors import DomainError
from apps.imports import selectors, services
from apps.imports.importers import importer_class
from apps.imports.models import ImportBatch, ImportKind, ImportStatus, RowAction
from apps.imports.permissions import importable_kinds, may_see_batch
from apps.web.access import RolePageMixin, is_manager
from apps.web.feedback import ActionView, add_form_error
from apps.web.manage import forms

PAGE_SIZE = 50


def manages_members(scope):
    """An organ reviewer manages its organ's members (a superuser everyone's)."""
    return scope.is_superuser or bool(scope.organ_ids)


def manages_places(scope):
    """District and street administrators manage their places' staff (a superuser everywhere's)."""
    return scope.is_superuser or bool(scope.district_ids or scope.street_ids)


class ManagePageMixin(RolePageMixin):
    role_test = is_manager
    section = "manage"
    role_label = gettext_lazy("This page is for district and street administrators and organ committees.")
    subnav = "imports"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            subnav=self.subnav, manage_members=manages_members(self.scope), manage_places=manages_places(self.scope)
        )
        return context


class ManagePage(ManagePageMixin, TemplateView):
    title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("title", self.title)
        return context


def _kind_or_404(scope, kind):
    if kind not in ImportKind.values:
        raise Http404
    if kind not in importable_kinds(scope):
        raise PermissionDenied(_("Your role may not import this kind of file."))
    return ImportKind(kind)


def _batch_or_404(user, pk):
    batch = ImportBatch.objects.select_related("created_by", "applied_by").filter(pk=pk).first()
    if batch is None or not may_see_batch(user, batch):
        raise Http404
    return batch


class HomeView(ManagePage):
    template_name = "web/manage/home.html"
    title = gettext_lazy("Management")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = [
            {"kind": kind, "label": kind.label, "columns": importer_class(kind).columns}
            for kind in importable_kinds(self.scope)
        ]
        history = selectors.import_list(user=self.request.user)
        context["page_obj"] = Paginator(history, 20).get_page(self.request.GET.get("page"))
        return context


class ImportTemplateView(ManagePageMixin, TemplateView):
    """The kind's Excel template as a download."""

    def get(self, request, kind):
        kind = _kind_or_404(self.scope, kind)
        content, content_type, extension = importer_class(kind).template()
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f"attachment; filename=template-{kind}.{extension}"
        return response


class ImportUploadView(ManagePageMixin, FormView):
    template_name = "web/manage/import_new.html"

    def get_form_class(self):
        kind = _kind_or_404(self.scope, self.kwargs["kind"])
        return forms.RosterUploadForm if kind == ImportKind.MEMBERS else forms.ImportUploadForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["file"].widget.attrs["accept"] = importer_class(self.kwargs["kind"]).accept
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = ImportKind(self.kwargs["kind"])
        context.update(
            kind=kind, title=_("Import: %(kind)s") % {"kind": kind.label}, columns=importer_class(kind).columns
        )
        return context

    def form_valid(self, form):
        try:
            batch = services.import_start(
                kind=self.kwargs["kind"],
                file=form.cleaned_data["file"],
                actor=self.request.user,
                deactivate_missing=form.cleaned_data.get("deactivate_missing", False),
            )
            batch = services.import_check_step(batch=batch, actor=self.request.user)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("manage:import-detail", args=[batch.pk]))


class ImportDetailView(ManagePage):
    """One import: its progress while being checked, then its preview (or its errors), then its result."""

    template_name = "web/manage/import_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = _batch_or_404(self.request.user, kwargs["pk"])
        counts = batch.counts or selectors.import_counts(batch=batch)
        shown = self.request.GET.get("show")
        if shown not in RowAction.values:
            shown = RowAction.ERROR if counts.get(RowAction.ERROR) else _first_action(counts)
        rows = selectors.import_rows(batch=batch, action=shown) if shown else batch.rows.none()
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        labels = _choice_labels(importer_class(batch.kind).columns)
        for row in page.object_list:
            row.shown = _shown_values(row.data, labels)
        context.update(
            batch=batch,
            title=_("Import: %(kind)s") % {"kind": batch.get_kind_display()},
            columns=importer_class(batch.kind).columns,
            tabs=[
                {"action": a, "label": label, "count": counts.get(a, 0)}
                for a, label in RowAction.choices
                if counts.get(a, 0)
            ],
            shown=shown,
            page_obj=page,
            checking=batch.status == ImportStatus.CHECKING,
            ready=batch.status == ImportStatus.READY,
            to_change=sum(
                counts.get(a, 0) for a in (RowAction.CREATE, RowAction.UPDATE, RowAction.MOVE, RowAction.DEACTIVATE)
            ),
        )
        return context


# Values a row keeps for applying it, not for reading: ids, flags, coordinates.
_INTERNAL_KEYS = {"branch", "user", "node", "parent_in_file", "missing", "latitude", "longitude", "ring"}


def _choice_labels(columns):
    """{column key: {stored value: the label the file uses}} for the columns with fixed values."""
    return {c.key: {value: label for label, value in c.choices} for c in columns if c.choices}


def _shown_values(data, labels):
    """What the preview shows of a row: its readable values, in the file's order, fixed values by their labels."""
    return [
        labels.get(key, {}).get(value, value)
        for key, value in data.items()
        if key not in _INTERNAL_KEYS and value not in ("", None) and not isinstance(value, list | dict | bool)
    ]


def _first_action(counts):
    return next((a for a in RowAction.values if counts.get(a)), None)


class _BatchAction(ManagePageMixin, ActionView):
    def redirect_to(self, pk):
        return reverse("manage:import-detail", args=[pk])


class ImportStepView(_BatchAction):
    """Check the next chunk of rows; the detail page posts here again until the check is done."""

    def perform(self, request, pk):
        services.import_check_step(batch=_batch_or_404(request.user, pk), actor=request.user)
        return ""


class ImportApplyView(_BatchAction):
    def perform(self, request, pk):
        batch = services.import_apply(batch=_batch_or_404(request.user, pk), actor=request.user)
        return _("The import was applied: %(n)s rows written.") % {
            "n": sum(
                batch.counts.get(a, 0)
                for a in (RowAction.CREATE, RowAction.UPDATE, RowAction.MOVE, RowAction.DEACTIVATE)
            )
        }


class ImportCancelView(_BatchAction):
    def perform(self, request, pk):
        services.import_cancel(batch=_batch_or_404(request.user, pk), actor=request.user)
        messages.info(request, _("The import was cancelled; nothing was written."))
        return ""
