"""A process that dies in the middle of a service, as a worker killed by the OOM killer or a power cut would: the
audit write of the service is replaced by `os._exit`, so the process ends with the transaction open, after the
claim UPDATE (or the sign-up, the records, the decision) was written but before anything committed.

`DATABASE_URL=... python -m tests.ops.crash_child CASE PK ACTOR_PK`; exits with CRASHED when it died where meant.
"""

import os
import sys

CRASHED = 73


def _die(**kwargs):
    sys.stdout.flush()
    os._exit(CRASHED)


def main(case, pk, actor_pk):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings.test")
    import django

    django.setup()
    from apps.accounts.models import User

    actor = User.objects.get(pk=actor_pk)
    if case == "wish_claim":
        from apps.wishes import services
        from apps.wishes.models import Wish

        services.audit_log = _die
        services.wish_claim(wish=Wish.objects.get(pk=pk), actor=actor)
    elif case == "wish_confirm":
        from apps.wishes import services
        from apps.wishes.models import Wish

        services.audit_log = _die  # the wish's own audit entry, after the service records were written
        services.wish_confirm(wish=Wish.objects.get(pk=pk), actor=actor, rating=5)
    elif case == "signup_create":
        from apps.activities import services
        from apps.activities.models import Activity

        services.audit_log = _die
        services.signup_create(activity=Activity.objects.get(pk=pk), member=actor.member)
    elif case == "record_approve":
        from apps.ledger import services
        from apps.ledger.models import ServiceRecord

        services.audit_log = _die
        services.record_approve(record=ServiceRecord.objects.get(pk=pk), actor=actor)
    else:
        raise SystemExit(f"unknown case {case}")
    raise SystemExit("the service returned: the crash point was never reached")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
