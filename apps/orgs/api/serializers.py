"""Serializers of the organizations API (small, one per purpose)."""

from rest_framework import serializers

from apps.core.masking import mask_id_number, mask_phone
from apps.core.serializers import InputSerializer
from apps.orgs.models import Member, MemberAffiliation, Organ, OrganCategory, PartyOrg, PartyOrgKind


class OrganOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organ
        fields = ["id", "name", "short_name", "category", "address", "contact_phone"]


class OrganInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=100)
    short_name = serializers.CharField(max_length=30, required=False, default="")
    category = serializers.ChoiceField(choices=OrganCategory.choices, default=OrganCategory.GOVERNMENT)
    address = serializers.CharField(max_length=200, required=False, default="")
    contact_phone = serializers.CharField(max_length=20, required=False, default="")


class PartyOrgOutputSerializer(serializers.ModelSerializer):
    organ_name = serializers.CharField(source="organ.name", read_only=True)

    class Meta:
        model = PartyOrg
        fields = ["id", "organ", "organ_name", "parent", "kind", "name"]


class PartyOrgInputSerializer(InputSerializer):
    parent = serializers.PrimaryKeyRelatedField(queryset=PartyOrg.objects.all())
    kind = serializers.ChoiceField(choices=[PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH])
    name = serializers.CharField(max_length=100)


class MemberOutputSerializer(serializers.ModelSerializer):
    """Full contact details only for viewers who manage the member's organization (context: full_contact)."""

    name = serializers.CharField(source="user.name")
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    organ_name = serializers.CharField(source="organ.name")
    branch_name = serializers.CharField(source="branch.name")

    class Meta:
        model = Member
        fields = ["id", "name", "phone", "id_number", "organ", "organ_name", "branch", "branch_name", "job_title"]

    def _full(self, member):
        return self.context["full_contact"](member)

    def get_phone(self, member) -> str:
        phone = member.user.phone
        return phone if self._full(member) else mask_phone(phone)

    def get_id_number(self, member) -> str:
        return member.id_number if self._full(member) else mask_id_number(member.id_number)


class MemberCreateInputSerializer(InputSerializer):
    branch = serializers.PrimaryKeyRelatedField(queryset=PartyOrg.objects.all())
    phone = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=50)
    password = serializers.CharField(max_length=128, required=False, allow_blank=True, trim_whitespace=False)
    id_number = serializers.RegexField(r"^\d{17}[\dXx]$", max_length=18, required=False, allow_blank=True, default="")
    job_title = serializers.CharField(max_length=50, required=False, default="")
    home_address = serializers.CharField(max_length=200, required=False, default="")


class MemberMoveInputSerializer(InputSerializer):
    branch = serializers.PrimaryKeyRelatedField(queryset=PartyOrg.objects.all())
    on = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=200, required=False, default="")


class AffiliationOutputSerializer(serializers.ModelSerializer):
    organ_name = serializers.CharField(source="organ.name")
    branch_name = serializers.CharField(source="branch.name")

    class Meta:
        model = MemberAffiliation
        fields = ["id", "organ", "organ_name", "branch", "branch_name", "started_on", "ended_on", "reason"]
