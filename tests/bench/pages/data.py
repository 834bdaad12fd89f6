"""The page benchmark's data: the load test's (tests/bench/load/data.py: one community where 200 members of 4 organs
are registered, two neighbours about 1 km away, published wishes and open activities in the three, five approved
services a member, a signed-in session for every member and organ reviewer), plus, for the members the virtual users
sign in as, everything their own pages list (tests/bench/pages/content.py): claims in every state, sign-ups for
upcoming activities and attended past ones with approved hours, certificates and notifications; and a session of the
community's staff.
"""

from dataclasses import asdict, dataclass, field

from django.contrib.auth import SESSION_KEY
from django.db import transaction

from apps.accounts.models import Role, User
from apps.accounts.sessions import SessionStore
from apps.orgs.models import Member
from apps.places.models import Community
from apps.registrations.models import Registration, RegistrationStatus
from apps.wishes.models import Wish, WishStatus
from tests.bench.load import data as load_data
from tests.bench.pages import content

TAG = "页面压测"


@dataclass
class PageData:
    """What the clients need: for each member the virtual users sign in as, the session, the wish and the activity
    whose pages are opened, and a string each page must show; the same for the staff and the reviewers."""

    csrf_token: str
    members: list = field(default_factory=list)  # dicts: session, name, wish_id, activity_id, and the strings below
    staff: dict = field(default_factory=dict)  # session, name
    reviewers: list = field(default_factory=list)  # dicts: session, name (one per organ)
    sizes: dict = field(default_factory=dict)

    def as_dict(self):
        return asdict(self)


def _name_of(session_key):
    user_id = SessionStore(session_key=session_key).get(SESSION_KEY)
    return User.objects.values_list("name", flat=True).get(pk=user_id)


@transaction.atomic
def build(*, members=200, page_members=8, items=20, certificates=3, **load_sizes):
    """The load test's data for `members` members (`load_sizes`: its other sizes), then `items` claims, sign-ups
    (half upcoming, half attended) and notifications and `certificates` certificates for each of the first
    `page_members` members."""
    load = load_data.build(members=members, **load_sizes)
    community = Community.objects.get(pk=load.community_id)
    staff = User.objects.get(roles__role=Role.COMMUNITY_STAFF, roles__community=community)
    chosen = Member.objects.select_related("user").in_bulk(load.member_ids[:page_members])
    chosen = [chosen[pk] for pk in load.member_ids[:page_members]]
    homes = {
        registration.member_id: registration.grid
        for registration in Registration.objects.filter(
            member__in=chosen, status=RegistrationStatus.CONFIRMED
        ).select_related("grid__community")
    }
    # The wish page opened: the first of the load test's open wishes in the community (not the raced one).
    wish = (
        Wish.objects.filter(community=community, status=WishStatus.PUBLISHED, title__startswith="微心愿")
        .order_by("pk")
        .first()
    )

    upcoming, past = content.activities(
        community=community,
        staff=staff,
        point=(community.latitude, community.longitude),
        upcoming=items - items // 2,
        past=items // 2,
        capacity=max(20, len(chosen)),
        tag=TAG,
    )
    content.take_part(members=chosen, staff=staff, upcoming=upcoming, past=past)

    page_members_data = []
    for k, member in enumerate(chosen):
        grid = homes[member.pk]
        claimed = content.claims(member=member, staff=staff, grid=grid, count=items, tag=TAG)
        issued = content.certificates(member=member, count=certificates)
        told = content.notifications(user=member.user, count=items, wishes=claimed, activities=upcoming, tag=TAG)
        activity = upcoming[k % len(upcoming)] if upcoming else None
        page_members_data.append(
            {
                "session": load.member_sessions[k],
                "name": member.user.name,
                "wish_id": wish.pk,
                "activity_id": activity.pk if activity else None,
                "activity_title": activity.title if activity else "",
                "upcoming_title": upcoming[0].title if upcoming else "",
                "claimed_title": claimed[-1].title if claimed else "",
                "certificate_number": issued[-1].number if issued else "",
                "notification_title": told[-1].title if told else "",
            }
        )

    return PageData(
        csrf_token=load.csrf_token,
        members=page_members_data,
        staff={"session": load_data._session_for(staff), "name": staff.name},
        reviewers=[{"session": key, "name": _name_of(key)} for key in load.reviewer_sessions],
        sizes={
            **load.sizes,
            "page_members": len(chosen),
            "claims": items,
            "signups": items,
            "upcoming": len(upcoming),
            "past": len(past),
            "certificates": certificates,
            "notifications": items,
            "load_records": load.sizes["records"] // max(members, 1),
        },
    )
