"""Reading the seals: the latest seal (the witness printed on exports, reports and certificates, and sent to the
district's administrators) and the latest verification of the ledger."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Role, User
from apps.seals.models import LedgerCheck, Seal


def seal_latest():
    """The latest seal, or None before the first one."""
    return Seal.objects.order_by("-seq").first()


def seal_witness_line(seal=None):
    """The seal as one printed line: "Ledger seal No. 1842 of 2026-12-04 13:05: 1842:9f3a…", or a line that says
    nothing is sealed yet. `seal` defaults to the latest."""
    seal = seal if seal is not None else seal_latest()
    if seal is None:
        return _("Ledger seal: nothing sealed yet")
    sealed_at = timezone.localtime(seal.sealed_at).strftime("%Y-%m-%d %H:%M")
    return _("Ledger seal No. %(seq)s of %(sealed_at)s: %(witness)s") % {
        "seq": seal.seq,
        "sealed_at": sealed_at,
        "witness": seal.witness,
    }


def ledger_check_latest():
    """The latest verification of the ledger, or None before the first one."""
    return LedgerCheck.objects.order_by("-started_at", "-id").first()


def seal_recipients():
    """Who receives the latest seal every morning: the active district administrators, whose copies are the ones
    that count (they do not run the server), and the active superusers, so that a platform without district
    administrators still has copies outside its database. Each user once, by id."""
    district_admins = User.objects.filter(roles__role=Role.DISTRICT_ADMIN).values("pk")
    recipients = User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(pk__in=district_admins))
    return recipients.order_by("pk")
