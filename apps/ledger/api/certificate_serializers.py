"""Serializers of the certificate API: issue and revoke input, the holder's view, and the public (masked) check."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.masking import mask_name
from apps.core.serializers import InputSerializer
from apps.ledger.certificates import (
    REVOCATION_REASON_MAX,
    certificate_verify_api_url,
    certificate_verify_url,
    hours_text,
)
from apps.ledger.models import Certificate
from apps.seals.api.serializers import RecordsCheckOutputSerializer


class CertificateIssueInputSerializer(InputSerializer):
    """Whole local days, both inclusive; `member` only when a reviewer issues for a member of their organ."""

    period_start = serializers.DateField()
    period_end = serializers.DateField()
    member = serializers.IntegerField(required=False, min_value=1)


class CertificateRevokeInputSerializer(InputSerializer):
    """Why the certificate is withdrawn: required (the service answers 422 reason_required when it is blank); anyone
    checking the certificate reads it."""

    reason = serializers.CharField(max_length=REVOCATION_REASON_MAX, required=False, allow_blank=True, default="")


class CertificateOutputSerializer(serializers.ModelSerializer):
    """A certificate for its holder or their reviewer (expects member__user selected).

    `verify_url` is the public check page the PDF's QR code opens; `verify_api_url` the same check as JSON."""

    member_name = serializers.CharField(source="member.user.name")
    total_hours = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()
    verify_api_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    valid = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "verification_code",
            "member",
            "member_name",
            "period_start",
            "period_end",
            "issued_at",
            "issuer_name",
            "issuer_contact",
            "total_minutes",
            "total_hours",
            "record_count",
            "valid",
            "revoked_at",
            "revoked_by",
            "revocation_reason",
            "verify_url",
            "verify_api_url",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_total_hours(self, obj) -> str:
        return hours_text(obj.total_minutes)

    def get_valid(self, obj) -> bool:
        return not obj.is_revoked

    def get_verify_url(self, obj) -> str:
        return certificate_verify_url(obj, base_url=self.context["base_url"])

    def get_verify_api_url(self, obj) -> str:
        return certificate_verify_api_url(obj, base_url=self.context["base_url"])

    def get_pdf_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(reverse("certificate-pdf", kwargs={"pk": obj.pk}))


class CertificateVerifyOutputSerializer(serializers.ModelSerializer):
    """What anyone holding the code may see: no full name, ID number or phone of the volunteer. `valid` is false
    once the certificate is revoked; `revoked_on` and `revocation_reason` then say when and why. `records_check`
    says whether the service records behind it still match their seals (apps.seals.verify.certificate_check,
    given by the view in the context)."""

    member_name = serializers.SerializerMethodField()
    total_hours = serializers.SerializerMethodField()
    issued_on = serializers.SerializerMethodField()
    valid = serializers.SerializerMethodField()
    revoked_on = serializers.SerializerMethodField()
    records_check = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "number",
            "member_name",
            "period_start",
            "period_end",
            "total_hours",
            "record_count",
            "issuer_name",
            "issuer_contact",
            "issued_on",
            "valid",
            "revoked_on",
            "revocation_reason",
            "records_check",
        ]
        read_only_fields = fields

    def get_member_name(self, obj) -> str:
        return mask_name(obj.member.user.name)

    @extend_schema_field(RecordsCheckOutputSerializer)
    def get_records_check(self, obj):
        return RecordsCheckOutputSerializer(self.context["records_check"]).data

    def get_total_hours(self, obj) -> str:
        return hours_text(obj.total_minutes)

    def get_issued_on(self, obj) -> str:
        return timezone.localdate(obj.issued_at).isoformat()

    def get_valid(self, obj) -> bool:
        return not obj.is_revoked

    def get_revoked_on(self, obj) -> str | None:
        return timezone.localdate(obj.revoked_at).isoformat() if obj.is_revoked else None
