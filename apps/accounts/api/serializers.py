"""Serializers of the accounts API: login input, one-time codes, the current user, role assignments."""

from rest_framework import serializers

from apps.accounts.models import ROLE_SCOPE_FIELD, Role, RoleAssignment, User
from apps.accounts.selectors import roles_of
from apps.core.serializers import InputSerializer


class LoginInputSerializer(InputSerializer):
    phone = serializers.CharField(max_length=20)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class CodeSendInputSerializer(InputSerializer):
    phone = serializers.CharField(max_length=20)


class CodeSentOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PasswordWithCodeInputSerializer(InputSerializer):
    phone = serializers.CharField(max_length=20)
    code = serializers.CharField(max_length=12)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RoleOutputSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    scope_type = serializers.SerializerMethodField()
    scope_id = serializers.SerializerMethodField()
    scope_name = serializers.SerializerMethodField()
    user_name = serializers.CharField(source="user.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "user_name", "role", "role_display", "scope_type", "scope_id", "scope_name"]

    def _field(self, obj):
        return ROLE_SCOPE_FIELD[Role(obj.role)]

    def get_scope_type(self, obj) -> str:
        return self._field(obj)

    def get_scope_id(self, obj) -> int:
        return getattr(obj, f"{self._field(obj)}_id")

    def get_scope_name(self, obj) -> str:
        return str(obj.scope_node)


class RoleAssignInputSerializer(InputSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)
    scope_id = serializers.IntegerField(min_value=1)


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    phone = serializers.CharField()
    name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    member = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    def get_member(self, user) -> dict | None:
        member = getattr(user, "member", None)  # RelatedObjectDoesNotExist is an AttributeError
        if member is None:
            return None
        return {
            "id": member.id,
            "organ": {"id": member.organ_id, "name": member.organ.name},
            "branch": {"id": member.branch_id, "name": member.branch.name},
            "job_title": member.job_title,
        }

    def get_roles(self, user) -> list[dict]:
        return RoleOutputSerializer(roles_of(user=user), many=True).data
