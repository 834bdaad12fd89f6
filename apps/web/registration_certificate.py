"""The download of a printed registration certificate (报到证 with its 回执) from the member's, the community desk's
and the organ's pages: the API's selector decides who may print which one (apps.registrations.selectors
.registration_certificate_get); a page only narrows it to its own people and says why a paper cannot be printed."""

from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views import View

from apps.core.errors import DomainError, NotFound
from apps.registrations import certificate, selectors
from apps.web.feedback import report_error, safe_next


class RegistrationCertificateView(View):
    """GET: the PDF. A registration the user may not print is a 404; one not (or no longer) in force sends the user
    back to the page they came from with the reason (registration_not_confirmed)."""

    http_method_names = ["get", "head"]
    back_to = ""  # the URL name of the page that offers the download

    def on_this_page(self, registration):
        """Whether this page offers the registration (the member's page: their own only)."""
        return True

    def get(self, request, pk):
        try:
            registration = selectors.registration_certificate_get(user=request.user, registration_id=pk)
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as error:
            report_error(request, error)
            return HttpResponseRedirect(safe_next(request, reverse(self.back_to)))
        if not self.on_this_page(registration):
            raise Http404
        content = certificate.registration_certificate_pdf(registration, base_url=certificate.verify_base_url(request))
        return certificate.pdf_response(content, filename=f"{registration.receipt_number}.pdf")
