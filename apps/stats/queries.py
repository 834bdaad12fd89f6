"""The statistics query every statistics answer and dashboard page takes: which node and which period, and for a
breakdown or a ranking what by. The API's endpoints and the dashboard's forms validate with these serializers, so a
bad parameter gets the same message on both faces (apps.stats.periods.period_of then checks the period itself)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.serializers import InputSerializer
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
    by = serializers.ChoiceField(
        choices=BREAKDOWNS,
        help_text=_(
            "month; category (every category of service, whatever its source); source (micro-wishes, volunteer "
            "activities, manual entries); or children (the node's parts)."
        ),
    )


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
