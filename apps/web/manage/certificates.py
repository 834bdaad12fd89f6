"""Management pages for the certificates of an organ's members (志愿服务证明): find one, download its PDF, revoke it
with a reason. Who may: the organ's reviewers and superusers, as apps.ledger.certificates.may_revoke says."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from apps.core.errors import DomainError
from apps.ledger import certificates
from apps.web.access import found_or_404
from apps.web.feedback import safe_next
from apps.web.manage import forms
from apps.web.manage.people import MembersPageMixin
from apps.web.manage.views import ManagePage

PAGE_SIZE = 30


def _revocable(user, pk):
    return found_or_404(certificates.certificate_revocable_list(user=user).filter(pk=pk).first())


class CertificateListView(MembersPageMixin, ManagePage):
    template_name = "web/manage/certificates.html"
    subnav = "certificates"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.CertificateSearchForm(self.request.GET or None)
        rows = certificates.certificate_revocable_list(user=self.request.user)
        if form.is_valid():
            q = form.cleaned_data["q"].strip()
            if q:
                rows = rows.filter(Q(number__icontains=q) | Q(member__user__name__contains=q))
            if form.cleaned_data["status"] == "valid":
                rows = rows.filter(revoked_at__isnull=True)
            elif form.cleaned_data["status"] == "revoked":
                rows = rows.filter(revoked_at__isnull=False)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=_("Certificates of my organ's members"),
            form=form,
            page_obj=Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page")),
            query=query.urlencode(),
            reason_max=certificates.REVOCATION_REASON_MAX,
        )
        return context


class CertificatePdfView(MembersPageMixin, View):
    """The certificate's PDF, as its holder downloads it (marked when revoked)."""

    def get(self, request, pk):
        certificate = _revocable(request.user, pk)
        content = certificates.certificate_pdf(certificate, base_url=certificates.certificate_base_url(request))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
        return response


class CertificateRevokeView(MembersPageMixin, View):
    """POST only: revoke with a reason, then back to the list. A refusal shows its message (the input is a single
    reason, so there is no form to render again)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        certificate = _revocable(request.user, pk)
        form = forms.CertificateRevokeForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("reason", []):
                messages.error(request, error)
        else:
            try:
                certificates.certificate_revoke(
                    certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request, _("Certificate %(number)s has been revoked.") % {"number": certificate.number}
                )
        return HttpResponseRedirect(safe_next(request, reverse("manage:certificates")))
