"""Input and output serializers of the attendance and hours endpoints."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.activities.models import Attendance, CheckinMethod, SignUp
from apps.core.serializers import InputSerializer

# Blank until someone checks in or marks attendance: read-only choice fields keep "" in the documented values.
_CHECKIN_METHOD = {"choices": CheckinMethod.choices, "allow_blank": True, "read_only": True}
_ATTENDANCE = {"choices": Attendance.choices, "allow_blank": True, "read_only": True}


class AttendanceRowSerializer(serializers.ModelSerializer):
    """One line of the attendance sheet (read from attendance_sheet, relations already joined)."""

    member_name = serializers.CharField(source="member.user.name")
    organ = serializers.CharField(source="member.organ.name")
    branch = serializers.CharField(source="member.branch.name")
    disputed = serializers.SerializerMethodField()
    checkin_method = serializers.ChoiceField(**_CHECKIN_METHOD)
    attendance = serializers.ChoiceField(**_ATTENDANCE)

    class Meta:
        model = SignUp
        fields = [
            "id",
            "member_id",
            "member_name",
            "organ",
            "branch",
            "status",
            "checked_in_at",
            "checked_out_at",
            "checkin_method",
            "checkin_distance_m",
            "attendance",
            "no_show",
            "checkout_missing",
            "credited_minutes",
            "hours_status",
            "disputed",
            "dispute_reason",
            "decision_reason",
            "record_id",
        ]
        read_only_fields = fields

    def get_disputed(self, obj) -> bool:
        return obj.disputed_at is not None


class SignUpHoursSerializer(serializers.ModelSerializer):
    """A sign-up's attendance and hours after an action."""

    attendance = serializers.ChoiceField(**_ATTENDANCE)

    class Meta:
        model = SignUp
        fields = [
            "id",
            "activity_id",
            "member_id",
            "status",
            "checked_in_at",
            "checked_out_at",
            "checkout_missing",
            "attendance",
            "no_show",
            "credited_minutes",
            "hours_status",
            "dispute_reason",
            "disputed_at",
            "decision_reason",
            "record_id",
        ]
        read_only_fields = fields


class AttendanceSheetActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()


class AttendanceSheetTotalsSerializer(serializers.Serializer):
    signups = serializers.IntegerField()
    checked_in = serializers.IntegerField()
    credited_minutes = serializers.IntegerField()


class AttendanceSheetOutputSerializer(serializers.Serializer):
    """The attendance sheet's answer: the activity, one row per sign-up and the totals."""

    activity = AttendanceSheetActivitySerializer()
    rows = AttendanceRowSerializer(many=True)
    totals = AttendanceSheetTotalsSerializer()


class AttendanceMarkInputSerializer(InputSerializer):
    attendance = serializers.ChoiceField(choices=Attendance.choices)


class HoursReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)


class HoursAdjustInputSerializer(InputSerializer):
    credited_minutes = serializers.IntegerField(min_value=0)
    reason = serializers.CharField(max_length=200, allow_blank=True)


class ActivityFinishInputSerializer(InputSerializer):
    residents_served = serializers.IntegerField(
        required=False,
        help_text=_(
            "Optional: the residents the activity served (0 to 100,000), one figure for the whole activity. It can be "
            "entered or corrected later on /residents/."
        ),
    )


class ActivityResidentsInputSerializer(InputSerializer):
    residents_served = serializers.IntegerField(
        help_text=_("The residents the finished activity served (0 to 100,000), one figure for the whole activity.")
    )
    reason = serializers.CharField(
        max_length=200,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Required when a figure already entered is corrected."),
    )


class ActivityFinishOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    residents_served = serializers.IntegerField(
        help_text=_("Residents the activity served, counted once by every node whose members took part.")
    )
