"""The data the load benchmark needs, built through the models and services in one transaction, with a signed-in
session for every user (so that no request pays for password hashing: a real member logs in once a fortnight).

One main community (two grids) and two neighbours about 1 km away; organs with two branches each and a reviewer
(机关党委) each; members of those organs, all registered in the main community; published wishes and open activities
in the three communities (what the lists "near me" return); approved service records for every member (what "my
hours" and the organ dashboards sum); and the two contested objects: one published wish and one open activity with
`capacity` places.

The benchmark calls `build()`; `python -m tests.bench.load.prepare` builds from the command line.
"""

import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Role, RoleAssignment, User
from apps.accounts.sessions import SessionStore
from apps.activities.models import Activity, ActivityCategory, ActivityStatus, Audience
from apps.ledger.models import ServiceCategory, ServiceSource
from apps.ledger.services import record_create
from apps.orgs import services as org_services
from apps.orgs.models import PartyOrg, PartyOrgKind
from apps.places.models import Community, District, Grid, Street
from apps.registrations.models import Registration, RegistrationStatus
from apps.registrations.services import new_verification_code
from apps.wishes.models import Wish, WishCategory, WishStatus

CITY_LAT, CITY_LNG = 30.2741, 120.1551
NEIGHBOUR_OFFSETS = ((0.009, 0.0), (0.0, -0.011))  # about 1 km north and 1 km west
BRANCHES_PER_ORGAN = 2


@dataclass
class LoadData:
    """What the clients need: ids, the points to ask "near me" about, and the session cookies."""

    csrf_token: str
    latitude: float
    longitude: float
    community_id: int
    race_wish_id: int
    race_activity_id: int
    member_ids: list = field(default_factory=list)
    member_sessions: list = field(default_factory=list)  # same order as member_ids
    reviewer_sessions: list = field(default_factory=list)  # one per organ
    wish_ids: list = field(default_factory=list)  # the claimable wishes of the main grid, not the race wish
    sizes: dict = field(default_factory=dict)

    def as_dict(self):
        return asdict(self)


def _session_for(user):
    """A signed-in session, as django.contrib.auth.login would leave it."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _user(phone, name):
    user = User(phone=phone, name=name)
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def build(
    *,
    members=200,
    organs=4,
    capacity=30,
    wishes=40,
    activities=20,
    records_per_member=5,
    claimable_wishes=0,
    tag="LOAD",
):
    """Build the benchmark's data (see the module's docstring); `claimable_wishes` more published wishes in the main
    grid are for write loads (each claimed once). `tag` prefixes the unique codes and phone numbers."""
    now = timezone.now()
    district = District.objects.create(name="压测区", code=f"{tag}-D", latitude=CITY_LAT, longitude=CITY_LNG)
    street = Street.objects.create(
        district=district, name="压测街道", code=f"{tag}-S", latitude=CITY_LAT, longitude=CITY_LNG
    )
    points = [(CITY_LAT, CITY_LNG)] + [(CITY_LAT + dlat, CITY_LNG + dlng) for dlat, dlng in NEIGHBOUR_OFFSETS]
    communities, grids, staff = [], [], []
    for k, (lat, lng) in enumerate(points):
        community = Community.objects.create(
            street=street, name=f"压测社区{k + 1}", code=f"{tag}-C{k + 1}", latitude=lat, longitude=lng
        )
        communities.append(community)
        grids.append(
            [
                Grid.objects.create(
                    community=community,
                    name=f"第{j + 1}网格",
                    code=f"{tag}-G{k + 1}-{j + 1}",
                    latitude=lat,
                    longitude=lng,
                )
                for j in range(2)
            ]
        )
        user = _user(f"165{k:08d}", f"压测社区干部{k + 1}")
        RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_STAFF, community=community)
        staff.append(user)
    main, main_grid = communities[0], grids[0][0]

    branches, reviewers = [], []
    for k in range(organs):
        organ = org_services.organ_create(name=f"压测机关{k + 1}")
        committee = PartyOrg.objects.get(organ=organ, kind=PartyOrgKind.COMMITTEE)
        branches += [
            org_services.party_org_create(
                organ=organ, parent=committee, kind=PartyOrgKind.BRANCH, name=f"第{j + 1}党支部"
            )
            for j in range(BRANCHES_PER_ORGAN)
        ]
        reviewer = _user(f"164{k:08d}", f"压测机关党委{k + 1}")
        RoleAssignment.objects.create(user=reviewer, role=Role.ORGAN_REVIEWER, organ=organ)
        reviewers.append(reviewer)

    member_objects = []
    for i in range(members):
        member = org_services.member_create(
            branch=branches[i % len(branches)], phone=f"166{i:08d}", name=f"压测党员{i + 1}", joined_on=now.date()
        )
        grid = grids[0][i % 2]
        Registration.objects.create(
            member=member,
            community=main,
            grid=grid,
            address=f"压测小区{i // 20 + 1}栋{i % 20 + 1}号",
            latitude=grid.latitude,
            longitude=grid.longitude,
            status=RegistrationStatus.CONFIRMED,
            submitted_at=now - timedelta(days=30),
            decided_by=staff[0],
            decided_at=now - timedelta(days=29),
            receipt_number=f"{tag}-{member.pk}",
            verification_code=new_verification_code(),
        )
        member_objects.append(member)

    def wish(grid, title):
        return Wish(
            community_id=grid.community_id,
            grid=grid,
            title=title,
            story="老人行动不便，需要一袋米和一桶油。",
            category=WishCategory.ELDERLY,
            resident_name="张三丰",
            resident_phone="13912345678",
            resident_address="幸福小区3栋2单元101",
            estimated_value=120,
            deadline=now + timedelta(days=20),
            status=WishStatus.PUBLISHED,
            published_at=now,
            created_by=staff[communities.index(grid.community)],
        )

    all_grids = [g for gs in grids for g in gs]
    Wish.objects.bulk_create(wish(all_grids[k % len(all_grids)], f"微心愿{k + 1}") for k in range(wishes))
    race_wish = Wish.objects.bulk_create([wish(main_grid, "压测：大家抢的微心愿")])[0]
    claimable = Wish.objects.bulk_create(wish(main_grid, f"可认领微心愿{k + 1}") for k in range(claimable_wishes))

    today = timezone.localdate()
    tz = timezone.get_current_timezone()

    def activity(community, title, *, days, places):
        starts = datetime.combine(today + timedelta(days=days), time(9), tzinfo=tz)
        return Activity(
            community=community,
            grid=None,
            created_by=staff[communities.index(community)],
            title=title,
            category=ActivityCategory.CLEAN_UP,
            address=f"{community.name}广场",
            latitude=community.latitude,
            longitude=community.longitude,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            signup_deadline=starts,
            capacity=places,
            audience=Audience.RESIDENTS,
            status=ActivityStatus.OPEN,
            checkin_secret=secrets.token_hex(32),
        )

    Activity.objects.bulk_create(
        activity(communities[k % len(communities)], f"环境卫生整治{k + 1}", days=3 + k % 20, places=20)
        for k in range(activities)
    )
    race_activity = Activity.objects.bulk_create([activity(main, "压测：30 个名额的活动", days=2, places=capacity)])[0]

    # Approved services earlier this year (or last year in the first days of January).
    first = today.replace(month=1, day=1)
    span = max((today - first).days, 1)
    for i, member in enumerate(member_objects):
        for r in range(records_per_member):
            day = first + timedelta(days=(i * 7 + r * 31) % span)
            started = datetime.combine(day, time(9), tzinfo=tz)
            if started >= now:
                started -= timedelta(days=365)
            record_create(
                member=member,
                community=main,
                grid=grids[0][i % 2],
                source=ServiceSource.MANUAL,
                source_id=None,
                category=ServiceCategory.CARE_VISIT,
                content="入户走访困难群众",
                started_at=started,
                ended_at=started + timedelta(minutes=90),
                credited_minutes=90,
                residents_served=2,
                recorded_by=staff[0],
                status="approved",
                decided_by=staff[0],
            )

    return LoadData(
        csrf_token=secrets.token_hex(16),  # 32 characters: the form of Django's CSRF secret
        latitude=CITY_LAT,
        longitude=CITY_LNG,
        community_id=main.pk,
        race_wish_id=race_wish.pk,
        race_activity_id=race_activity.pk,
        member_ids=[m.pk for m in member_objects],
        member_sessions=[_session_for(m.user) for m in member_objects],
        reviewer_sessions=[_session_for(u) for u in reviewers],
        wish_ids=[w.pk for w in claimable],
        sizes={
            "communities": len(communities),
            "organs": organs,
            "branches": len(branches),
            "members": members,
            "wishes": wishes + 1 + claimable_wishes,
            "activities": activities + 1,
            "records": members * records_per_member,
            "capacity": capacity,
        },
    )
