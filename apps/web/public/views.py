"""The public check of a volunteer service certificate: the page the certificate's QR code and printed address open.

No sign-in: whoever holds the paper (an employer, a school) scans it with a phone and reads, in plain words, whether
the certificate is valid, with the masked name of the volunteer (as the JSON check, apps.core.masking.mask_name),
the hours and period, the issuer and the date of issue; a revoked certificate says when and why. An unknown code
answers a "no such certificate" page with status 404.

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
        }
        return _noindex(render(request, "web/public/certificate.html", context))
