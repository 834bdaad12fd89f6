"""The seals' read-only endpoint, for the platform's administrators: the latest seal and verification."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.seals.api import serializers as s
from apps.seals.permissions import IsLedgerAdministrator
from apps.seals.selectors import ledger_check_latest, seal_latest


class LedgerSealView(APIView):
    """The latest seal of the ledger (what the district administrators receive every morning: keep it, and verify
    the ledger against it with `manage.py verify_ledger --seal number:digest`) and the latest verification of the
    whole ledger against its seals. District administrators and superusers; anyone else gets 403."""

    permission_classes = [IsLedgerAdministrator]

    @extend_schema(responses=s.LedgerSealOutputSerializer)
    def get(self, request):
        data = {"seal": seal_latest(), "check": ledger_check_latest()}
        return Response(s.LedgerSealOutputSerializer(data).data)
