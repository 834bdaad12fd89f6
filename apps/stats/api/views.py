"""The statistics API: a node's figures, breakdowns, rankings, member and branch tables and lists, star rules.

Every endpoint takes a node (`level` and `id`; none: the user's own dashboard node) and a period (`year` with an
optional `quarter` or `month`, a `day`, or `start` and `end`; none: the current year). Nodes outside the user's
scope read as 404.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.stats import errors, queries, selectors
from apps.stats.api import serializers
from apps.stats.models import StarSubject
from apps.stats.nodes import default_node, node_get
from apps.stats.periods import period_of


def _node_and_period(request, query_class=queries.NodePeriodQuerySerializer):
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    period = period_of(**query.period_params())
    level = query.validated_data.get("level")
    if level is None:
        node = default_node(request.user)
        if node is None:
            raise errors.node_not_found()
    else:
        node = node_get(user=request.user, level=level, pk=query.validated_data.get("id"))
    return query, node, period


def _head(node, period):
    return {
        "node": {"level": node.level, "id": node.pk, "name": node.name},
        "period": {
            "kind": period.kind,
            "label": period.label,
            "first_day": period.first_day,
            "last_day": period.last_day,
        },
    }


class SummaryView(APIView):
    """Every figure of docs/statistics.md for one node and period."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[queries.NodePeriodQuerySerializer], responses=serializers.SummaryOutputSerializer)
    def get(self, request):
        _query, node, period = _node_and_period(request)
        data = {**_head(node, period), "metrics": selectors.node_metrics_cached(node=node, period=period)}
        return Response(serializers.SummaryOutputSerializer(data).data)


class BreakdownView(APIView):
    """The node's sums by month, by category of service (whatever its source), by source, or by its children."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[queries.BreakdownQuerySerializer], responses=serializers.BreakdownOutputSerializer)
    def get(self, request):
        query, node, period = _node_and_period(request, queries.BreakdownQuerySerializer)
        by = query.validated_data["by"]
        rows = selectors.node_breakdown(node=node, period=period, by=by)
        return Response(serializers.BreakdownOutputSerializer({**_head(node, period), "by": by, "rows": rows}).data)


class RankingView(APIView):
    """Members within an organ or Party org, branches within an organ, organs within the city; streets within a
    district, communities within a street or a district, organs serving in a place; competition ranks (ties share a
    rank and are listed by name)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[queries.RankingQuerySerializer], responses=serializers.RankingOutputSerializer)
    def get(self, request):
        query, node, period = _node_and_period(request, queries.RankingQuerySerializer)
        of, metric = query.validated_data["of"], query.validated_data["metric"]
        rows = selectors.ranking(node=node, period=period, of=of, metric=metric)
        top = query.validated_data.get("top")
        if top:
            rows = rows[:top]
        data = {**_head(node, period), "of": of, "metric": metric, "rows": rows}
        return Response(serializers.RankingOutputSerializer(data).data)


class _ListView(generics.GenericAPIView):
    """A paginated list computed for a node and period. Subclasses declare their response as `many=True` so that
    the schema documents the page (count, next, previous, results) and the page parameters."""

    permission_classes = [permissions.IsAuthenticated]
    filter_backends = []  # the node and the period are the only filters, read by the query serializer
    query_class = queries.NodePeriodQuerySerializer

    def rows(self, node, period):
        raise NotImplementedError

    def get(self, request):
        _query, node, period = _node_and_period(request, self.query_class)
        page = self.paginate_queryset(self.rows(node, period))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(
    parameters=[queries.NodePeriodQuerySerializer], responses=serializers.MemberRowOutputSerializer(many=True)
)
class MemberTableView(_ListView):
    """One row per member of the node with their figures in the period, star level and community evaluations."""

    serializer_class = serializers.MemberRowOutputSerializer

    def rows(self, node, period):
        return selectors.member_table(node=node, period=period)


@extend_schema(
    parameters=[queries.NodePeriodQuerySerializer], responses=serializers.BranchRowOutputSerializer(many=True)
)
class BranchTableView(_ListView):
    """One row per branch under an organ or Party org: sums, members, registration, stars."""

    serializer_class = serializers.BranchRowOutputSerializer

    def rows(self, node, period):
        if node.level not in ("organ", "party_org"):
            raise errors.Invalid("breakdown_invalid", errors.BREAKDOWN_INVALID)
        return selectors.branch_rows(node=node, period=period)


@extend_schema(
    parameters=[queries.NodePeriodQuerySerializer], responses=serializers.MemberBriefOutputSerializer(many=True)
)
class ZeroServiceView(_ListView):
    """The node's members with no service in the period (零服务名单)."""

    serializer_class = serializers.MemberBriefOutputSerializer

    def rows(self, node, period):
        return selectors.zero_service_members(node=node, period=period)


@extend_schema(
    parameters=[queries.NodePeriodQuerySerializer], responses=serializers.MemberBriefOutputSerializer(many=True)
)
class UnregisteredView(_ListView):
    """The node's members without a confirmed registration with a residential community (the period is ignored)."""

    serializer_class = serializers.MemberBriefOutputSerializer

    def rows(self, node, period):
        return selectors.unregistered_members(node=node)


class StarRulesView(APIView):
    """The points needed for one to five stars in a year (default: the current year)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[serializers.StarRulesQuerySerializer], responses=serializers.StarRulesOutputSerializer)
    def get(self, request):
        query = serializers.StarRulesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        data = {
            "year": year,
            "member": selectors.star_thresholds(year, StarSubject.MEMBER),
            "branch": selectors.star_thresholds(year, StarSubject.BRANCH),
        }
        return Response(serializers.StarRulesOutputSerializer(data).data)
