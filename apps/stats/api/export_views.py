"""The Excel downloads: the organ committee's member service table, branch summary, and unregistered and
zero-service lists of an organ or a Party org; the administrators' summary of a place's parts and ranking of the
organs serving in a place; each for a period. And the service report (年度报告) of an organ, a Party org, a street
or a district, as Word or PDF. Nodes outside the user's scope read as 404.
"""

from types import SimpleNamespace

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from apps.stats import exports, report
from apps.stats.periods import period_of
from apps.stats.queries import NodePeriodQuerySerializer


class ExportQuerySerializer(NodePeriodQuerySerializer):
    """An organ or a Party org (other levels answer 422 export_level_invalid) and a period (none: this year)."""

    level = serializers.CharField(max_length=20, help_text=_("organ or party_org."))
    id = serializers.IntegerField(min_value=1, help_text=_("Id of the organ or Party organization."))

    def validate(self, attrs):
        return attrs  # the level is checked by export_node_get (422 export_level_invalid), not as a node query


class PlaceSummaryQuerySerializer(ExportQuerySerializer):
    """A district, a street or a community (other levels answer 422 export_level_invalid) and a period."""

    level = serializers.CharField(max_length=20, help_text=_("district, street or community."))
    id = serializers.IntegerField(min_value=1, help_text=_("Id of the place."))


class OrgansInAreaQuerySerializer(ExportQuerySerializer):
    """A place: a district, a street, a community or a grid (other levels answer 422 export_level_invalid) and a
    period."""

    level = serializers.CharField(max_length=20, help_text=_("district, street, community or grid."))
    id = serializers.IntegerField(min_value=1, help_text=_("Id of the place."))


class _ExportView(APIView):
    kind = ""  # the ASCII fallback file name's stem
    build = None  # (*, node, period) -> bytes
    filename = None  # (*, node, period) -> str
    query_class = ExportQuerySerializer
    levels = exports.EXPORT_LEVELS  # the levels the export is made for, and what other levels are told
    level_message = exports.EXPORT_LEVEL_INVALID

    @extend_schema(
        parameters=[ExportQuerySerializer],
        responses={(200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request):
        query = self.query_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = period_of(**query.period_params())
        level, pk = query.validated_data["level"], query.validated_data["id"]
        node = exports.export_node_get(
            user=request.user, level=level, pk=pk, levels=self.levels, message=self.level_message
        )
        fallback = f"{self.kind}-{node.level}-{node.pk}-{period.label.replace('/', '_')}.xlsx"
        return exports.xlsx_response(
            self.build(node=node, period=period),
            filename=self.filename(node=node, period=period),
            fallback=fallback,
        )


class MemberTableExportView(_ExportView):
    """党员服务情况统计表: one line per member with their figures, star level, target and community evaluations."""

    kind = "member-service"
    build = staticmethod(exports.member_table_workbook)
    filename = staticmethod(exports.member_table_filename)


class BranchSummaryExportView(_ExportView):
    """支部服务情况汇总表: one line per Party branch with registration, service figures, points and star level."""

    kind = "branch-summary"
    build = staticmethod(exports.branch_summary_workbook)
    filename = staticmethod(exports.branch_summary_filename)


class MemberListsExportView(_ExportView):
    """未报到及零服务党员名单: two sheets, the members not registered and those with no service in the period."""

    kind = "unregistered-and-zero-service"
    build = staticmethod(exports.unregistered_and_zero_service_workbook)
    filename = staticmethod(exports.unregistered_and_zero_service_filename)


@extend_schema_view(
    get=extend_schema(
        parameters=[PlaceSummaryQuerySerializer],
        responses={(200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
)
class PlaceSummaryExportView(_ExportView):
    """辖区服务情况汇总表: one line per part of a place (the streets and the communities of a district, the communities
    of a street, the grids of a community) with registered members, members who served and the service figures."""

    kind = "place-summary"
    build = staticmethod(exports.place_summary_workbook)
    filename = staticmethod(exports.place_summary_filename)
    query_class = PlaceSummaryQuerySerializer
    levels = exports.PLACE_SUMMARY_LEVELS
    level_message = exports.PLACE_SUMMARY_LEVEL_INVALID


@extend_schema_view(
    get=extend_schema(
        parameters=[OrgansInAreaQuerySerializer],
        responses={(200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
)
class OrgansInAreaExportView(_ExportView):
    """在辖区服务的机关排行: the organs serving in a place, ranked by the hours of their members' services there."""

    kind = "organs-in-area"
    build = staticmethod(exports.organs_in_area_workbook)
    filename = staticmethod(exports.organs_in_area_filename)
    query_class = OrgansInAreaQuerySerializer
    levels = exports.ORGANS_IN_AREA_LEVELS
    level_message = exports.ORGANS_IN_AREA_LEVEL_INVALID


class ReportQuerySerializer(ExportQuerySerializer):
    """An organ, a Party org, a street or a district (other levels answer 422 export_level_invalid), a period, and
    the kind of file."""

    level = serializers.CharField(max_length=20, help_text=_("organ, party_org, street or district."))
    id = serializers.IntegerField(min_value=1, help_text=_("Id of the organ, Party organization, street or district."))
    format = serializers.ChoiceField(
        choices=report.REPORT_FORMATS, help_text=_("docx (a Word document, to edit) or pdf (to print).")
    )


class _FormatNamesTheFile(DefaultContentNegotiation):
    """Here `format` names the report's file (docx or pdf), not the API's answer (DRF's URL_FORMAT_OVERRIDE): the
    answer is the file, or an error in JSON."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)


class ReportExportView(APIView):
    """年度报告: the standard sentences of a service report filled in with the node's figures for the period, every
    figure with its unit, the table of its branches (an organ, a Party org) or of its streets and communities (a
    district, a street), the top ten members or communities by hours, the zero-service members, the unregistered
    members (an organ, a Party org) and the definitions of the figures; as Word (docx) or PDF."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = _FormatNamesTheFile

    @extend_schema(
        parameters=[ReportQuerySerializer],
        responses={
            (200, report.CONTENT_TYPES["docx"]): OpenApiTypes.BINARY,
            (200, report.CONTENT_TYPES["pdf"]): OpenApiTypes.BINARY,
        },
    )
    def get(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = period_of(**query.period_params())
        node = report.report_node_get(
            user=request.user, level=query.validated_data["level"], pk=query.validated_data["id"]
        )
        return report.report_response(node=node, period=period, file_format=query.validated_data["format"])
