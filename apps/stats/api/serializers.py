"""Serializers of the statistics API: the node-and-period query every endpoint takes, and the outputs."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.api.serializers import InputSerializer
from apps.stats.nodes import Level
from apps.stats.selectors import BREAKDOWNS, RANKING_METRICS, RANKINGS


class NodePeriodQuerySerializer(InputSerializer):
    """Which node (no level: the user's own dashboard node) and which period (nothing: the current year)."""

    level = serializers.ChoiceField(choices=Level.choices, required=False, help_text=_("Level of the node."))
    id = serializers.IntegerField(min_value=1, required=False, help_text=_("Id of the node (not for the city)."))
    year = serializers.IntegerField(required=False, help_text=_("A year, alone or with a quarter or a month."))
    quarter = serializers.IntegerField(required=False, help_text=_("1 to 4, with a year."))
    month = serializers.IntegerField(required=False, help_text=_("1 to 12, with a year."))
    day = serializers.DateField(required=False, help_text=_("One day."))
    start = serializers.DateField(required=False, help_text=_("First day of a range (with end)."))
    end = serializers.DateField(required=False, help_text=_("Last day of a range, inclusive (with start)."))

    def validate(self, attrs):
        level = attrs.get("level")
        if level is not None and level != Level.CITY and attrs.get("id") is None:
            raise serializers.ValidationError({"id": _("Give the id of the node.")})
        if attrs.get("id") is not None and level in (None, Level.CITY):
            raise serializers.ValidationError({"level": _("Give the level of the node this id belongs to.")})
        return attrs

    def period_params(self):
        keys = ("year", "quarter", "month", "day", "start", "end")
        return {key: self.validated_data.get(key) for key in keys}


class BreakdownQuerySerializer(NodePeriodQuerySerializer):
    by = serializers.ChoiceField(choices=BREAKDOWNS, help_text=_("month, source or children."))


class RankingQuerySerializer(NodePeriodQuerySerializer):
    of = serializers.ChoiceField(
        choices=RANKINGS,
        help_text=_(
            "members or branches (of an organ or a Party organization), organs (of the city, or serving in a place), "
            "streets (of a district) or communities (of a street or a district)."
        ),
    )
    metric = serializers.ChoiceField(choices=RANKING_METRICS, default="hours")
    top = serializers.IntegerField(min_value=1, max_value=1000, required=False, help_text=_("Only the first N."))


class NodeOutputSerializer(serializers.Serializer):
    level = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class PeriodOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()


class SumsOutputSerializer(serializers.Serializer):
    person_times = serializers.IntegerField(help_text=_("Approved services, one per member per service (参与人次)."))
    minutes = serializers.IntegerField()
    hours = serializers.FloatField()
    residents_served = serializers.IntegerField()
    wish_services = serializers.IntegerField()
    points = serializers.IntegerField()


class MetricsOutputSerializer(SumsOutputSerializer):
    members = serializers.IntegerField()
    registered_members = serializers.IntegerField()
    registration_rate = serializers.FloatField(allow_null=True)
    services = serializers.IntegerField(help_text=_("Distinct services: each activity, wish or manual entry once."))
    members_served = serializers.IntegerField()
    wishes_claimed = serializers.IntegerField()
    wishes_fulfilled = serializers.IntegerField()
    wishes_confirmed = serializers.IntegerField()
    wish_completion_rate = serializers.FloatField(allow_null=True)
    activities_organized = serializers.IntegerField(allow_null=True)
    zero_service_members = serializers.IntegerField()
    target_hours = serializers.FloatField()
    below_target_members = serializers.IntegerField()
    target_completion_rate = serializers.FloatField(allow_null=True)
    stars = serializers.IntegerField(required=False, help_text=_("Members and branches only: 0 to 5."))


class SummaryOutputSerializer(serializers.Serializer):
    node = NodeOutputSerializer()
    period = PeriodOutputSerializer()
    metrics = MetricsOutputSerializer()


class BreakdownRowOutputSerializer(serializers.Serializer):
    key = serializers.CharField(required=False, help_text=_("Month (YYYY-MM) or kind of service."))
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
    average_points = serializers.FloatField(required=False)
    stars = serializers.IntegerField(required=False)


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
    meets_target = serializers.BooleanField()
    stars = serializers.IntegerField()
    evaluations = EvaluationBriefOutputSerializer(many=True)


class BranchRowOutputSerializer(SumsOutputSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.IntegerField()
    registered_members = serializers.IntegerField()
    registration_rate = serializers.FloatField(allow_null=True)
    members_served = serializers.IntegerField()
    activities_organized = serializers.IntegerField()
    average_points = serializers.FloatField()
    stars = serializers.IntegerField()


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
