"""The public check of a volunteer service certificate: the page the certificate's QR code and printed address open.

No sign-in: whoever holds the paper (an employer, a school) scans it with a phone and reads, in plain words, whether
the certificate is valid, with the masked name of the volunteer (as the JSON check, apps.core.masking.mask_name),
the hours and period, the issuer and the date of issue; a revoked certificate says when and why. It also says
whether the service records behind the certificate still match their seals (apps.seals.verify.certificate_check:
counts only, never a record). An unknown code answers a "no such certificate" page with status 404.

Guessing codes is pointless: a code is 72 random bits (secrets.token_urlsafe(9), see apps.ledger.certificates), so
even with a million certificates issued one guess in about 5·10^15 hits one. The page is not indexed by search
engines, and it shows nothing more than the JSON check does.
"""

from django.shortcuts import render
from django.utils import timezone
from django.views import View

from apps.core.errors import NotFound
from apps.core.masking import mask_name
from apps.ledger import certificates
from apps.registrations import certificate as registration_certificate
from apps.registrations import selectors as registration_selectors
from apps.registrations.models import RegistrationStatus
from apps.seals.verify import certificate_check


def _noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class CertificateCheckView(View):
    http_method_names = ["get", "head"]

    def get(self, request, code):
        try:
            certificate = certificates.certificate_get_by_code(code=code)
        except NotFound:
            return _noindex(render(request, "web/public/certificate_unknown.html", status=404))
        context = {
            "certificate": certificate,
            "holder": mask_name(certificate.member.user.name),
            "total_hours": certificates.hours_text(certificate.total_minutes),
            "issued_on": timezone.localdate(certificate.issued_at),
            "revoked_on": timezone.localdate(certificate.revoked_at) if certificate.is_revoked else None,
            "records": certificate_check(certificate),
        }
        return _noindex(render(request, "web/public/certificate.html", context))


class RegistrationCheckView(View):
    """The public check of a printed registration certificate (报到证 and its 回执): whether the registration is in
    force (confirmed) or no longer (closed when the member moved), with the member's masked name, the organ, the
    community, the date of confirmation and the receipt number; nothing else (no phone, no address, no branch).
    An unknown code answers a "no such registration" page with status 404. The code is 96 random bits
    (apps.registrations.services.new_verification_code): guessing one is hopeless."""

    http_method_names = ["get", "head"]

    def get(self, request, code):
        try:
            registration = registration_selectors.registration_get_by_code(code=code)
        except NotFound as error:
            context = {"error": error}
            return _noindex(render(request, "web/public/registration_unknown.html", context, status=404))
        context = {
            "registration": registration,
            "valid": registration_certificate.validity(registration) == registration_certificate.VALID,
            "holder": mask_name(registration.member.user.name),
            "organ": registration.member.organ.name,
            "community": registration_certificate.place_of(registration.community),
            "confirmed_on": registration_certificate.confirmed_on(registration),
            "moved": registration.status == RegistrationStatus.MOVED and registration.closed_at is not None,
            "closed_on": registration_certificate.closed_on(registration),
        }
        return _noindex(render(request, "web/public/registration.html", context))
