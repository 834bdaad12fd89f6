"""Serializers of the statistics API's answers (the query every endpoint takes is apps.stats.queries, shared with the
dashboard pages)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.serializers import InputSerializer
from apps.stats import glossary


class NodeOutputSerializer(serializers.Serializer):
    level = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class PeriodOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()


def _about(field):
    """A figure's description in the schema: its definition in the glossary, as the pages and exports give it."""
    return glossary.figure(field).definition


class SumsOutputSerializer(serializers.Serializer):
    person_times = serializers.IntegerField(help_text=_about("person_times"))
    minutes = serializers.IntegerField(help_text=_about("minutes"))
    hours = serializers.FloatField(help_text=_about("hours"))
    residents_served = serializers.IntegerField(help_text=_about("residents_served"))
    wish_services = serializers.IntegerField(help_text=_about("wish_services"))
    points = serializers.IntegerField(help_text=_about("points"))


class MetricsOutputSerializer(SumsOutputSerializer):
    members = serializers.IntegerField(help_text=_about("members"))
    registered_members = serializers.IntegerField(help_text=_about("registered_members"))
    registration_rate = serializers.FloatField(allow_null=True, help_text=_about("registration_rate"))
    services = serializers.IntegerField(help_text=_about("services"))
    members_served = serializers.IntegerField(help_text=_about("members_served"))
    wishes_claimed = serializers.IntegerField(help_text=_about("wishes_claimed"))
    wishes_fulfilled = serializers.IntegerField(help_text=_about("wishes_fulfilled"))
    wishes_confirmed = serializers.IntegerField(help_text=_about("wishes_confirmed"))
    wish_completion_rate = serializers.FloatField(allow_null=True, help_text=_about("wish_completion_rate"))
    wishes_solved = serializers.IntegerField(help_text=_about("wishes_solved"))
    activities_organized = serializers.IntegerField(allow_null=True, help_text=_about("activities_organized"))
    activities_joined = serializers.IntegerField(help_text=_about("activities_joined"))
    zero_service_members = serializers.IntegerField(help_text=_about("zero_service_members"))
    target_hours = serializers.FloatField(help_text=_about("target_hours"))
    below_target_members = serializers.IntegerField(help_text=_about("below_target_members"))
    target_completion_rate = serializers.FloatField(allow_null=True, help_text=_about("target_completion_rate"))
    stars = serializers.IntegerField(required=False, help_text=_about("stars"))
    requests_received = serializers.IntegerField(required=False, help_text=_about("requests_received"))
    requests_accepted = serializers.IntegerField(required=False, help_text=_about("requests_accepted"))
    requests_done = serializers.IntegerField(required=False, help_text=_about("requests_done"))
    households_paired = serializers.IntegerField(help_text=_about("households_paired"))
    households_visited = serializers.IntegerField(help_text=_about("households_visited"))


class SummaryOutputSerializer(serializers.Serializer):
    node = NodeOutputSerializer()
    period = PeriodOutputSerializer()
    metrics = MetricsOutputSerializer()


class BreakdownRowOutputSerializer(serializers.Serializer):
    key = serializers.CharField(
        required=False, help_text=_("Month (YYYY-MM), category of service (by=category) or source (by=source).")
    )
    label = serializers.CharField(required=False)
    level = serializers.CharField(required=False, help_text=_("Children: the child's level."))
    id = serializers.IntegerField(required=False, allow_null=True)
    name = serializers.CharField(required=False)
    person_times = serializers.IntegerField()
    minutes = serializers.IntegerField()
    hours = serializers.FloatField()
    residents_served = serializers.IntegerField(required=False)
    wish_services = serializers.IntegerField(required=False)
    points = serializers.IntegerField(required=False)


class BreakdownOutputSerializer(serializers.Serializer):
    node = NodeOutputSerializer()
    period = PeriodOutputSerializer()
    by = serializers.CharField()
    rows = BreakdownRowOutputSerializer(many=True)


class RankingRowOutputSerializer(SumsOutputSerializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    branch = serializers.CharField(required=False)
    members = serializers.IntegerField(
        required=False, help_text=_("Its members now; at a place, those registered there (for an organ: its own).")
    )
    members_served = serializers.IntegerField(
        required=False, help_text=_("Streets, communities and organs at a place: distinct members who served there.")
    )
    street_id = serializers.IntegerField(required=False, help_text=_("Communities of a district: their street."))
    street = serializers.CharField(required=False)
    average_points = serializers.FloatField(required=False, help_text=_about("average_points"))
    stars = serializers.IntegerField(required=False, help_text=_about("stars"))


class RankingOutputSerializer(serializers.Serializer):
    node = NodeOutputSerializer()
    period = PeriodOutputSerializer()
    of = serializers.CharField()
    metric = serializers.CharField()
    rows = RankingRowOutputSerializer(many=True)


class EvaluationBriefOutputSerializer(serializers.Serializer):
    community = serializers.CharField()
    grade = serializers.CharField()
    grade_label = serializers.CharField()


class MemberRowOutputSerializer(SumsOutputSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    organ = serializers.CharField()
    branch_id = serializers.IntegerField()
    branch = serializers.CharField()
    registered = serializers.BooleanField()
    community = serializers.CharField()
    meets_target = serializers.BooleanField(help_text=_("Whether the member's hours reach the period's hour target."))
    stars = serializers.IntegerField(help_text=_about("stars"))
    evaluations = EvaluationBriefOutputSerializer(many=True)


class BranchRowOutputSerializer(SumsOutputSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.IntegerField(help_text=_about("members"))
    registered_members = serializers.IntegerField(help_text=_about("registered_members"))
    registration_rate = serializers.FloatField(allow_null=True, help_text=_about("registration_rate"))
    members_served = serializers.IntegerField(help_text=_about("members_served"))
    wishes_solved = serializers.IntegerField(help_text=_about("wishes_solved"))
    activities_organized = serializers.IntegerField(help_text=_about("activities_organized"))
    activities_joined = serializers.IntegerField(help_text=_about("activities_joined"))
    average_points = serializers.FloatField(help_text=_about("average_points"))
    stars = serializers.IntegerField(help_text=_about("stars"))


class MemberBriefOutputSerializer(serializers.Serializer):
    """A member on the zero-service or unregistered list: name, organ, branch, job title."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="user.name")
    organ = serializers.CharField(source="organ.name")
    branch_id = serializers.IntegerField()
    branch = serializers.CharField(source="branch.name")
    job_title = serializers.CharField()


class StarRulesQuerySerializer(InputSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class StarRulesOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    member = serializers.ListField(child=serializers.IntegerField())
    branch = serializers.ListField(child=serializers.IntegerField())
