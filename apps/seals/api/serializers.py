"""Serializers of the seals: the latest seal and verification for the administrators, and the check of a
certificate's records for anyone holding its code."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.seals.models import LedgerCheck, Seal
from apps.seals.selectors import seal_witness_line
from apps.seals.verify import ALTERED, NOT_SEALED, VERIFIED


class SealOutputSerializer(serializers.ModelSerializer):
    """A seal: `witness` (`number:digest`) is what is printed and sent, and what `manage.py verify_ledger --seal`
    takes; `line` the same as one printed sentence in the site's language."""

    witness = serializers.CharField(read_only=True, help_text="The seal as printed and sent: number:digest.")
    line = serializers.SerializerMethodField(help_text="The seal as one printed line.")
    leaf_count = serializers.IntegerField(read_only=True, help_text="Rows this seal sealed.")

    class Meta:
        model = Seal
        fields = ["seq", "sealed_at", "digest", "witness", "line", "leaf_count"]
        read_only_fields = fields

    def get_line(self, obj) -> str:
        return seal_witness_line(obj)


class LedgerCheckOutputSerializer(serializers.ModelSerializer):
    """A verification of the whole ledger: when, whether it verified, how many problems it found, and the last
    seal it reached (`number:digest`)."""

    sealed_entries = serializers.IntegerField(source="leaves", read_only=True)

    class Meta:
        model = LedgerCheck
        fields = ["started_at", "finished_at", "ok", "problem_count", "seals", "sealed_entries", "last_seal"]
        read_only_fields = fields


class LedgerSealOutputSerializer(serializers.Serializer):
    """The latest seal (null before the first) and the latest verification of the ledger (null before the first)."""

    seal = SealOutputSerializer(allow_null=True, read_only=True)
    check = LedgerCheckOutputSerializer(allow_null=True, read_only=True)


class RecordsCheckOutputSerializer(serializers.Serializer):
    """Whether the service records behind a certificate verify against their seals. Counts only: no record of
    anyone is named. The chain of seals itself is verified by the nightly full verification, whose date and outcome
    are given (`ledger_verified_at`, `ledger_verified`; null before the first)."""

    status = serializers.ChoiceField(
        choices=[VERIFIED, NOT_SEALED, ALTERED],
        read_only=True,
        help_text=(
            "verified: every record sealed and unchanged; not_sealed: nothing changed, some records were approved "
            "moments ago and are not sealed yet (see sealed_by); altered: records changed after they were sealed, "
            "added behind the ledger's back or missing, or the certificate's figures differ from the ledger's."
        ),
    )
    records = serializers.IntegerField(read_only=True, help_text="Ledger records checked (services and amendments).")
    sealed = serializers.IntegerField(read_only=True, help_text="Records sealed and unchanged.")
    not_sealed = serializers.IntegerField(read_only=True, help_text="Records approved moments ago, not sealed yet.")
    altered = serializers.IntegerField(read_only=True, help_text="Records changed or inserted after sealing.")
    missing = serializers.IntegerField(read_only=True, help_text="Services the certificate counts that are gone.")
    figures_match = serializers.BooleanField(
        read_only=True, help_text="The certificate's hours and number of services are still the ledger's."
    )
    sealed_by = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the records not sealed yet will be (null when none)."
    )
    ledger_verified_at = serializers.SerializerMethodField(
        help_text="When the whole ledger was last verified against its seals (null: never)."
    )
    ledger_verified = serializers.SerializerMethodField(
        help_text="Whether that verification found the ledger unchanged (null: never verified)."
    )

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_ledger_verified_at(self, obj):
        check = obj.ledger_check
        return serializers.DateTimeField().to_representation(check.started_at) if check else None

    def get_ledger_verified(self, obj) -> bool | None:
        return obj.ledger_check.ok if obj.ledger_check else None
