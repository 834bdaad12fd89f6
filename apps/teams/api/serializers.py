"""Serializers of the teams API (small, one per purpose)."""

from rest_framework import serializers

from apps.core.serializers import InputSerializer
from apps.orgs.models import Member, Organ, PartyOrg
from apps.teams.models import Team, TeamMembership, TeamSpecialty


class TeamOutputSerializer(serializers.ModelSerializer):
    organ_name = serializers.CharField(source="organ.name", read_only=True)
    party_org_name = serializers.CharField(source="party_org.name", read_only=True, allow_null=True, default=None)
    leader_name = serializers.CharField(
        source="leader.user.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Null while the team has no leader (its leader left the organ or the service): the team's managers "
        "set a new one; until then the team claims no wishes and signs nobody up.",
    )
    member_count = serializers.IntegerField(read_only=True, help_text="Active members, the leader included.")
    application_count = serializers.IntegerField(read_only=True, help_text="Applications waiting for a decision.")

    class Meta:
        model = Team
        fields = [
            "id",
            "organ",
            "organ_name",
            "party_org",
            "party_org_name",
            "name",
            "specialty",
            "description",
            "leader",
            "leader_name",
            "status",
            "dissolved_at",
            "dissolved_reason",
            "member_count",
            "application_count",
            "created_at",
        ]


class RosterEntrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="member.user.name", read_only=True)
    branch_name = serializers.CharField(source="member.branch.name", read_only=True)

    class Meta:
        model = TeamMembership
        fields = ["member", "name", "branch_name", "joined_at"]


class TeamDetailOutputSerializer(TeamOutputSerializer):
    """One team: its active members, the viewer's own membership and what the viewer may do."""

    members = serializers.SerializerMethodField(help_text="The active members, longest-serving first.")
    my_status = serializers.SerializerMethodField(
        help_text="The viewer's open membership: applied, active, or null (not applied, or not a member)."
    )
    may_decide = serializers.SerializerMethodField(
        help_text="Whether the viewer may accept, decline and remove members (the leader, the team's managers)."
    )
    may_manage = serializers.SerializerMethodField(
        help_text="Whether the viewer may edit and dissolve the team and set its leader (the organ's Party "
        "committee, the secretary of the Party organization that formed it)."
    )

    class Meta(TeamOutputSerializer.Meta):
        fields = [*TeamOutputSerializer.Meta.fields, "members", "my_status", "may_decide", "may_manage"]

    def get_members(self, team) -> list[dict]:
        return RosterEntrySerializer(self.context["roster"], many=True).data

    def get_my_status(self, team) -> str | None:
        membership = self.context["my_membership"]
        return membership.status if membership else None

    def get_may_decide(self, team) -> bool:
        return self.context["may_decide"]

    def get_may_manage(self, team) -> bool:
        return self.context["may_manage"]


class MembershipOutputSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    member_name = serializers.CharField(source="member.user.name", read_only=True)
    branch_name = serializers.CharField(source="member.branch.name", read_only=True)

    class Meta:
        model = TeamMembership
        fields = [
            "id",
            "team",
            "team_name",
            "member",
            "member_name",
            "branch_name",
            "status",
            "applied_at",
            "joined_at",
            "left_at",
            "decided_at",
            "reason",
        ]


class TeamCreateInputSerializer(InputSerializer):
    organ = serializers.PrimaryKeyRelatedField(queryset=Organ.objects.all(), help_text="The organ forming the team.")
    party_org = serializers.PrimaryKeyRelatedField(
        queryset=PartyOrg.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The Party organization of the organ that forms it (a branch secretary must give theirs); "
        "absent: the organ itself.",
    )
    name = serializers.CharField(max_length=100, help_text="Unique within the organ.")
    specialty = serializers.ChoiceField(choices=TeamSpecialty.choices)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    leader = serializers.PrimaryKeyRelatedField(
        queryset=Member.objects.all(), help_text="An active member of the organ; becomes the first member."
    )


class TeamUpdateInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=100, required=False)
    specialty = serializers.ChoiceField(choices=TeamSpecialty.choices, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class MemberInputSerializer(InputSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.all(), help_text="The member's id.")


class DecisionInputSerializer(MemberInputSerializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RemoveInputSerializer(MemberInputSerializer):
    reason = serializers.CharField(max_length=200, help_text="Why the member is removed (required).")


class TeamReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=200)


class TeamOptionalReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
