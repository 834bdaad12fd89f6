"""Certificate API: issue and list (scoped), download the PDF, revoke, and the public check by verification code."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.scope import scope_for
from apps.core.errors import NotFound
from apps.ledger import certificates, errors
from apps.ledger.api import certificate_serializers as serializers
from apps.seals.verify import certificate_check


def _base_url(request):
    """Where the public check lives: a configured public address, else the address this request came to."""
    return certificates.certificate_base_url(request)


class CertificateListCreateView(generics.ListAPIView):
    """The user's own certificates, or those of their organ's members for reviewers; POST issues one."""

    serializer_class = serializers.CertificateOutputSerializer
    filter_backends = []

    def get_queryset(self):
        return certificates.certificate_list(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "base_url": _base_url(self.request)}

    @extend_schema(
        request=serializers.CertificateIssueInputSerializer, responses={201: serializers.CertificateOutputSerializer}
    )
    def post(self, request):
        data = serializers.CertificateIssueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member_id = data.validated_data.get("member")
        if member_id is not None:
            member = certificates.certificate_member_for(user=request.user, member_id=member_id)
        else:
            if scope_for(request.user).member_id is None:
                raise errors.not_a_member()
            member = request.user.member
        certificate = certificates.certificate_issue(
            member=member,
            actor=request.user,
            period_start=data.validated_data["period_start"],
            period_end=data.validated_data["period_end"],
        )
        output = self.get_serializer(certificates.certificate_get(user=request.user, pk=certificate.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)


class CertificatePdfView(APIView):
    """The certificate as a PDF download. A revoked certificate still downloads, marked "revoked" on every page."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="The certificate PDF")})
    def get(self, request, pk):
        certificate = certificates.certificate_get(user=request.user, pk=pk)
        if certificate is None:
            raise NotFound()
        content = certificates.certificate_pdf(certificate, base_url=_base_url(request))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
        return response


class CertificateRevokeView(APIView):
    """Revoke a certificate with a reason: a reviewer of the member's organ or a superuser (403
    certificate_revoke_not_allowed for the holder); 422 reason_required / reason_too_long; 409
    certificate_already_revoked. A certificate the user cannot see is a 404."""

    @extend_schema(
        request=serializers.CertificateRevokeInputSerializer, responses=serializers.CertificateOutputSerializer
    )
    def post(self, request, pk):
        certificate = certificates.certificate_get(user=request.user, pk=pk)
        if certificate is None:
            raise NotFound()
        data = serializers.CertificateRevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificates.certificate_revoke(
            certificate=certificate, actor=request.user, reason=data.validated_data["reason"]
        )
        output = serializers.CertificateOutputSerializer(
            certificates.certificate_get(user=request.user, pk=pk),
            context={"request": request, "base_url": _base_url(request)},
        )
        return Response(output.data)


class CertificateVerifyView(APIView):
    """Anyone may check a certificate by its code; the answer shows masked data only, and whether the service
    records behind it still match their seals (counts only). People scanning the QR code get the page
    /verify/<code>/ instead; this is the same check for integrators."""

    permission_classes = [AllowAny]

    @extend_schema(responses=serializers.CertificateVerifyOutputSerializer)
    def get(self, request, code):
        certificate = certificates.certificate_get_by_code(code=code)
        context = {"records_check": certificate_check(certificate)}
        return Response(serializers.CertificateVerifyOutputSerializer(certificate, context=context).data)
