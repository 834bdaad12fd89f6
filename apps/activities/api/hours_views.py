"""Thin API views for attendance sheets and hours: finish, mark attendance, approve, adjust, reject, dispute.

Activities and sign-ups outside what the user leads (or, for a member, their own sign-ups) read as 404.
"""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.activities import exports, hours, hours_selectors
from apps.activities.api import hours_serializers as s


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _led_activity(request, pk):
    activity = hours_selectors.activity_led_get(user=request.user, pk=pk)
    if activity is None:
        raise NotFound()
    return activity


def _signup(request, pk):
    signup = hours_selectors.signup_for_hours_get(user=request.user, pk=pk)
    if signup is None:
        raise NotFound()
    return signup


class AttendanceSheetView(APIView):
    """考勤表: every sign-up of the activity with check-in data, attendance and hours, and the totals."""

    @extend_schema(responses=s.AttendanceSheetOutputSerializer)
    def get(self, request, pk):
        activity = _led_activity(request, pk)
        rows = list(hours_selectors.attendance_sheet(activity=activity))
        return Response(
            {
                "activity": {"id": activity.pk, "title": activity.title, "status": activity.status},
                "rows": s.AttendanceRowSerializer(rows, many=True).data,
                "totals": {
                    "signups": len(rows),
                    "checked_in": sum(1 for row in rows if row.checked_in_at is not None),
                    "credited_minutes": sum(row.credited_minutes or 0 for row in rows),
                },
            }
        )


class AttendanceSheetExcelView(APIView):
    """The attendance sheet as an Excel download."""

    @extend_schema(responses={(200, exports.XLSX_CONTENT_TYPE): OpenApiResponse(description="xlsx file")})
    def get(self, request, pk):
        activity = _led_activity(request, pk)
        content = exports.attendance_workbook(
            activity=activity, rows=hours_selectors.attendance_sheet(activity=activity)
        )
        response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{exports.attendance_filename(activity)}"'
        return response


def _finish_output(activity):
    return {"id": activity.pk, "status": activity.status, "residents_served": activity.residents_served}


class ActivityFinishView(APIView):
    @extend_schema(request=s.ActivityFinishInputSerializer, responses=s.ActivityFinishOutputSerializer)
    def post(self, request, pk):
        activity = _led_activity(request, pk)
        data = _validated(s.ActivityFinishInputSerializer, request.data)
        activity = hours.activity_finish(
            activity=activity, actor=request.user, residents_served=data.get("residents_served")
        )
        return Response(_finish_output(activity))


class ActivityResidentsView(APIView):
    """Enter or correct the residents a finished activity served (a correction needs a reason; audited)."""

    @extend_schema(request=s.ActivityResidentsInputSerializer, responses=s.ActivityFinishOutputSerializer)
    def post(self, request, pk):
        activity = _led_activity(request, pk)
        data = _validated(s.ActivityResidentsInputSerializer, request.data)
        activity = hours.activity_set_residents(
            activity=activity,
            actor=request.user,
            residents_served=data["residents_served"],
            reason=data["reason"],
        )
        return Response(_finish_output(activity))


class _SignUpActionView(APIView):
    input_serializer = None

    def act(self, signup, user, data):
        raise NotImplementedError

    def post(self, request, pk):
        signup = _signup(request, pk)
        data = _validated(self.input_serializer, request.data) if self.input_serializer else {}
        signup = self.act(signup, request.user, data)
        return Response(s.SignUpHoursSerializer(signup).data)


class AttendanceMarkView(_SignUpActionView):
    input_serializer = s.AttendanceMarkInputSerializer

    @extend_schema(request=s.AttendanceMarkInputSerializer, responses=s.SignUpHoursSerializer)
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, signup, user, data):
        return hours.attendance_mark(signup=signup, actor=user, attendance=data["attendance"])


class HoursApproveView(_SignUpActionView):
    @extend_schema(request=None, responses=s.SignUpHoursSerializer)
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, signup, user, data):
        return hours.hours_approve(signup=signup, actor=user)


class HoursAdjustView(_SignUpActionView):
    input_serializer = s.HoursAdjustInputSerializer

    @extend_schema(request=s.HoursAdjustInputSerializer, responses=s.SignUpHoursSerializer)
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, signup, user, data):
        return hours.hours_adjust(
            signup=signup, actor=user, credited_minutes=data["credited_minutes"], reason=data["reason"]
        )


class HoursRejectView(_SignUpActionView):
    input_serializer = s.HoursReasonInputSerializer

    @extend_schema(request=s.HoursReasonInputSerializer, responses=s.SignUpHoursSerializer)
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, signup, user, data):
        return hours.hours_reject(signup=signup, actor=user, reason=data["reason"])


class HoursDisputeView(_SignUpActionView):
    input_serializer = s.HoursReasonInputSerializer

    @extend_schema(request=s.HoursReasonInputSerializer, responses=s.SignUpHoursSerializer)
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, signup, user, data):
        return hours.hours_dispute(signup=signup, actor=user, reason=data["reason"])
