"""One year of an organ's volunteer service written entirely through the services, and a direct count of every
figure of the glossary over the rows those services wrote (tests/stats/test_year_through_services.py).

The year is 2025, with a few services in late December 2024 and early January 2026. Organ A (机关) has two branches;
organ B's members share some services with A's. Three communities in two streets of one district. What happens:

- micro-wishes claimed by single members and by a branch as a group (its secretary naming who took part), one given
  back by a member and one by a branch (both never solved by them), one fulfilled but never confirmed, and three that
  cross New Year: claimed in December 2024 and confirmed in January 2025, claimed in December 2025 and fulfilled in
  January 2026, and one fulfilled at 00:30 on 1 January 2026 (its service started at 23:30 on New Year's Eve);
- activities organized by a branch of A, by a branch of B and by the community, attended by members of both branches
  and of B, one member a no-show; residents entered at finish, or later on an activity the scheduler finished, and
  one corrected with a reason; hours approved, adjusted (once down to 0 minutes) and rejected; a night patrol on New
  Year's Eve where one member checks in before midnight and one after; a draft and a cancelled activity;
- manual records: two group entries (one occasion each, one member's record rejected, two records corrected later),
  a lone entry, a rejected one, one left pending, an approved one corrected later, one corrected to 0 minutes;
- a member moves from A's first branch to its second on 1 July (his services keep the branch of their day);
- organ A's volunteer team (members of both branches): it claims a wish (made from a resident's request) and two of
  its members do it, it organizes an activity its leader signs two members up for as the team (a member of B signs
  up alone), and a member registers a service for it;
- self-registered services (服务登记): approved, adjusted, rejected, left pending;
- residents' requests (居民点单) through the poster (a code to the resident's number, the address placed by the
  offline geocoder): received, accepted into a new wish, merged into one, declined, on either side of the year;
- households (结对帮扶): paired with a member (with the member who moves, across his move), with the team and with a
  member at once, ended on New Year's Day, started on New Year's Eve, one closed; visits approved, adjusted,
  rejected, pending, in December 2024 and January 2026.

The direct count (`Direct`) reads the rows back with plain queries and computes each figure in Python, as
docs/statistics.md defines it; it never calls apps.stats.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.test import TestCase
from django.utils import timezone

from apps.accounts.models import Role
from apps.activities import hours
from apps.activities import services as activities
from apps.activities.models import Activity, ActivityCategory, ActivityStatus, SignUp
from apps.households import services as households
from apps.households.models import Household, HouseholdPairing, HouseholdSituation, HouseholdVisit
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.self_services import record_of, self_service_register
from apps.orgs.models import Member, MemberAffiliation, Organ, PartyOrg, PartyOrgKind
from apps.orgs.services import member_move
from apps.places.models import Community, Grid
from apps.registrations.models import Pairing, Registration, RegistrationStatus
from apps.residents import services as residents
from apps.residents.models import RequestStatus, ResidentRequest
from apps.teams import services as teams
from apps.teams.models import MembershipStatus, Team, TeamMembership, TeamSpecialty
from apps.wishes import services as wishes
from apps.wishes.models import Beneficiary, ClaimStatus, Wish, WishCategory, WishClaim, WishStatus
from tests import factories as f

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2025
JOINED_ON = date(2024, 1, 1)
PAIRED_FROM = date(2024, 1, 1)

# The rules the direct count applies, set for the module (test_year_through_services.py overrides the settings).
POINTS_PER_HOUR = 10
POINTS_PER_WISH = 5
WISH_MINUTES = 60
ANNUAL_HOUR_TARGET = 4  # 240 minutes a year: some members reach it, some do not
STARS_MEMBER = (10, 20, 40, 60, 80)
STARS_BRANCH = (5, 10, 20, 30, 40)
SETTINGS = {
    "POINTS_PER_HOUR": POINTS_PER_HOUR,
    "POINTS_PER_CONFIRMED_WISH": POINTS_PER_WISH,
    "WISH_SERVICE_MINUTES": WISH_MINUTES,
    "ANNUAL_HOUR_TARGET": ANNUAL_HOUR_TARGET,
    "STAR_POINTS_MEMBER": ",".join(map(str, STARS_MEMBER)),
    "STAR_POINTS_BRANCH": ",".join(map(str, STARS_BRANCH)),
    "STATS_CACHE_SECONDS": 0,
    "MIN_ATTENDANCE_SHARE": 0,
}

# Manual records: the fields every entry takes besides its own (a future ServiceCategory goes here, once).
MANUAL_FIELDS = {"category": "care_visit"}


def at(year, month, day, hour=9, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL)


class Clock:
    """timezone.now as the services see it: the moment the scenario has reached, else the real time."""

    def __init__(self, real):
        self.real, self.moment = real, None

    def now(self):
        return self.moment or self.real()


def enter_manual(*, actor, members, community, grid, content, started_at, span, minutes, residents, reason):
    """A manual entry by community staff: one member's record, or one pending record each for several members who
    served together (one occasion). The one place the scenario calls the ledger's manual services."""
    common = {
        "actor": actor,
        "community": community,
        "grid": grid,
        "content": content,
        "started_at": started_at,
        "ended_at": started_at + timedelta(minutes=span),
        "credited_minutes": minutes,
        "residents_served": residents,
        "reason": reason,
        **MANUAL_FIELDS,
    }
    if len(members) == 1:
        return [ledger.record_create_manual(member=members[0], **common)]
    return ledger.record_create_manual_group(members=members, **common)


@dataclass
class Scenario:
    """What the year holds, by kind (the test's report prints it)."""

    counts: Counter = field(default_factory=Counter)

    def add(self, kind, n=1):
        self.counts[kind] += n


class YearWorld:
    """The places, organizations, people and the year of services (see the module)."""

    def __init__(self, clock):
        self.clock = clock
        self.scenario = Scenario()
        self._at(at(2024, 11, 1))
        self._places()
        self._organizations()
        self._people()
        self._year()
        self.clock.moment = None

    def _at(self, moment):
        self.clock.moment = moment
        return moment

    # --- the world --------------------------------------------------------------------------------------------------

    def _places(self):
        self.district = f.DistrictFactory(name="年度区")
        self.street_e = f.StreetFactory(district=self.district, name="东岭街道", code="S-E")
        self.street_w = f.StreetFactory(district=self.district, name="西湖街道", code="S-W")
        self.c1 = f.CommunityFactory(street=self.street_e, name="桂苑社区", code="C-1")
        self.c2 = f.CommunityFactory(street=self.street_e, name="兰亭社区", code="C-2")
        self.c3 = f.CommunityFactory(street=self.street_w, name="竹林社区", code="C-3")
        self.g1a = f.GridFactory(community=self.c1, name="桂苑第一网格", code="G-1A")
        self.g1b = f.GridFactory(community=self.c1, name="桂苑第二网格", code="G-1B")
        self.g2a = f.GridFactory(community=self.c2, name="兰亭第一网格", code="G-2A")
        self.g3a = f.GridFactory(community=self.c3, name="竹林第一网格", code="G-3A")
        self.staff = {}
        for community, name in ((self.c1, "桂苑干部"), (self.c2, "兰亭干部"), (self.c3, "竹林干部")):
            user = f.UserFactory(name=name)
            f.RoleFactory(user=user, role=Role.COMMUNITY_STAFF, community=community)
            self.staff[community.pk] = user
        self.district_admin = f.UserFactory(name="区管理员")
        f.RoleFactory(user=self.district_admin, role=Role.DISTRICT_ADMIN, district=self.district)

    def _organizations(self):
        self.organ_a = f.OrganFactory(name="市年度局")
        self.organ_b = f.OrganFactory(name="市协作局")
        self.a1 = f.BranchFactory(organ=self.organ_a, name="第一党支部")
        self.a2 = f.BranchFactory(organ=self.organ_a, name="第二党支部")
        self.b1 = f.BranchFactory(organ=self.organ_b, name="协作局党支部")
        self.reviewer_a = f.UserFactory(name="年度局机关党委")
        f.RoleFactory(user=self.reviewer_a, role=Role.ORGAN_REVIEWER, organ=self.organ_a)
        self.reviewer_b = f.UserFactory(name="协作局机关党委")
        f.RoleFactory(user=self.reviewer_b, role=Role.ORGAN_REVIEWER, organ=self.organ_b)
        self.secretary = {}
        for branch, name in ((self.a1, "一支部书记"), (self.a2, "二支部书记"), (self.b1, "协作局书记")):
            user = f.UserFactory(name=name)
            f.RoleFactory(user=user, role=Role.BRANCH_SECRETARY, party_org=branch)
            self.secretary[branch.pk] = user
        # Organ A is paired with the first two communities, organ B with the first (结对共建).
        for organ, community in ((self.organ_a, self.c1), (self.organ_a, self.c2), (self.organ_b, self.c1)):
            Pairing.objects.create(organ=organ, community=community, starts_on=PAIRED_FROM)

    def _member(self, branch, name, grid=None):
        member = f.MemberFactory(branch=branch, joined_on=JOINED_ON, user=f.UserFactory(name=name))
        if grid is not None:
            f.RegistrationFactory(member=member, grid=grid)
        return member

    def _people(self):
        # Organ A, first branch.
        self.wang = self._member(self.a1, "王芳", self.g1a)
        self.li = self._member(self.a1, "李娜", self.g1b)
        self.zhang = self._member(self.a1, "张伟", self.g2a)
        self.liu = self._member(self.a1, "刘洋")  # not registered; only a rejected record: zero service
        self.zhou = self._member(self.a1, "周杰", self.g2a)  # moves to the second branch on 1 July
        # Organ A, second branch.
        self.chen = self._member(self.a2, "陈静", self.g1a)
        self.yang = self._member(self.a2, "杨磊", self.g3a)
        self.zhao = self._member(self.a2, "赵敏")  # not registered; serves in the communities paired with A
        self.huang = self._member(self.a2, "黄勇", self.g3a)  # only a record corrected to 0 minutes: zero service
        # Organ B.
        self.wu = self._member(self.b1, "吴霞", self.g1b)
        self.sun = self._member(self.b1, "孙丽", self.g3a)
        self.zheng = self._member(self.b1, "郑强", self.g2a)  # no service

    # --- the year -------------------------------------------------------------------------------------------------

    def _year(self):
        self._edges_before()
        self._households_before()
        self._first_half()
        self._team_first_half()
        self._at(at(YEAR, 7, 1, 8))
        self.zhou = member_move(member=self.zhou, branch=self.a2, on=date(YEAR, 7, 1), reason="工作调动")
        self.scenario.add("member moves")
        self._second_half()
        self._team_second_half()
        self._new_year()
        self._households_new_year()

    def _edges_before(self):
        """December 2024: an activity, a manual record started at 23:00 on New Year's Eve, a wish claimed."""
        self.act_dec = self.activity(
            "冬季环境整治",
            self.c1,
            self.g1a,
            at(2024, 12, 20, 9),
            at(2024, 12, 20, 11),
            organizer=self.a1,
            attend=[(self.wang, 0, None), (self.chen, 0, None)],
            residents=6,
        )
        self.approve_all(self.act_dec, at(2024, 12, 21))
        self.manual(
            [self.li],
            self.c1,
            self.g1b,
            at(2024, 12, 31, 23),
            120,
            120,
            1,
            approve=at(2025, 1, 2),
            title="跨年守岁陪护",
        )
        self.wish_new_year_in = self.wish(self.c1, self.g1a, published=at(2024, 12, 20))
        self.claim(self.wish_new_year_in, self.chen, at(2024, 12, 28))
        self.fulfil(self.wish_new_year_in, self.chen, at(2025, 1, 3, 10))
        self.confirm(self.wish_new_year_in, at(2025, 1, 5))

    def _first_half(self):
        # A group entry across both branches and organ B; later two of its records are corrected.
        self.group_feb = self.manual(
            [self.wang, self.chen, self.wu],
            self.c1,
            self.g1a,
            at(YEAR, 2, 15, 9),
            150,
            120,
            10,
            approve=at(YEAR, 2, 20),
        )
        w1 = self.wish(self.c1, self.g1a, published=at(YEAR, 2, 25))
        self.claim(w1, self.wang, at(YEAR, 3, 3))
        self.fulfil(w1, self.wang, at(YEAR, 3, 5, 10))
        self.confirm(w1, at(YEAR, 3, 6))

        # Organized by the first branch: both branches and organ B attend; one no-show; the residents corrected.
        self.act_march = self.activity(
            "春季植树护绿",
            self.c1,
            self.g1a,
            at(YEAR, 3, 15, 9),
            at(YEAR, 3, 15, 11),
            organizer=self.a1,
            attend=[
                (self.wang, 0, None),
                (self.li, 20, None),  # late: 100 minutes
                (self.chen, 0, 90),  # leaves after 90 minutes
                (self.wu, 0, "missing"),  # never checks out: credited to the end
                (self.zhou, 0, None),
                (self.zhang, None, None),  # signed up, never came
            ],
            residents=30,
        )
        self.approve_all(self.act_march, at(YEAR, 3, 16))
        self._at(at(YEAR, 3, 20))
        hours.activity_set_residents(
            activity=self.act_march, actor=self.staff[self.c1.pk], residents_served=35, reason="补录遗漏的受益群众"
        )
        self.scenario.add("activity residents corrected")

        self.manual([self.yang], self.c3, self.g3a, at(YEAR, 3, 20, 14), 60, 60, 2, approve=at(YEAR, 3, 22))

        # A group wish of the first branch: its secretary claims it and names who took part.
        w2 = self.wish(self.c1, self.g1b, published=at(YEAR, 4, 1), beneficiary=Beneficiary.GROUP, residents=3)
        self.claim(w2, self.a1, at(YEAR, 4, 10))
        self.fulfil(w2, self.a1, at(YEAR, 4, 15, 15), participants=[self.wang, self.li])
        self.confirm(w2, at(YEAR, 4, 16))

        # Given back by a member, never solved.
        w3 = self.wish(self.c2, self.g2a, published=at(YEAR, 4, 20))
        self.claim(w3, self.zhang, at(YEAR, 5, 1))
        self.release(w3, self.zhang, at(YEAR, 5, 3))

        self.manual([self.liu], self.c1, self.g1a, at(YEAR, 5, 5, 9), 60, 60, 0, reject=at(YEAR, 5, 8))

        # Organized by the community: one attendance rejected.
        self.act_may = self.activity(
            "社区义诊服务",
            self.c1,
            None,
            at(YEAR, 5, 10, 14),
            at(YEAR, 5, 10, 17),
            organizer=None,
            attend=[(self.chen, 0, None), (self.zhao, 0, None), (self.wu, 30, None)],
            residents=20,
        )
        self.decide(self.act_may, at(YEAR, 5, 11), reject=[self.zhao])

        # Claimed by the second branch and given back; then a member of that branch claims and solves it.
        w7 = self.wish(self.c3, self.g3a, published=at(YEAR, 5, 20), beneficiary=Beneficiary.GROUP, residents=4)
        self.claim(w7, self.a2, at(YEAR, 6, 1))
        self.release(w7, self.a2, at(YEAR, 6, 2))
        self.claim(w7, self.yang, at(YEAR, 6, 5))
        self.fulfil(w7, self.yang, at(YEAR, 6, 7, 10))
        self.confirm(w7, at(YEAR, 6, 8))

        # Approved, corrected a fortnight later (minutes and residents).
        [self.corrected] = self.manual(
            [self.zhang], self.c2, self.g2a, at(YEAR, 6, 15, 9), 120, 120, 3, approve=at(YEAR, 6, 16)
        )
        self._at(at(YEAR, 6, 30))
        ledger.record_amend(
            record=self.corrected,
            actor=self.staff[self.c2.pk],
            credited_minutes=90,
            residents_served=5,
            reason="核对签到表后更正",
        )
        self.scenario.add("manual records corrected")

        # Organized by organ B's branch; finished by the scheduler, its residents entered later (no reason needed).
        self.act_june = self.activity(
            "助老便民服务",
            self.c1,
            self.g1b,
            at(YEAR, 6, 20, 9),
            at(YEAR, 6, 20, 12),
            organizer=self.b1,
            attend=[(self.wang, 0, None), (self.wu, 0, 150), (self.sun, 15, None)],
            residents=None,
        )
        self.approve_all(self.act_june, at(YEAR, 6, 22))
        self._at(at(YEAR, 6, 25))
        hours.activity_set_residents(activity=self.act_june, actor=self.staff[self.c1.pk], residents_served=12)
        self.scenario.add("activity residents entered after finish")

        # The group entry's corrections: one member's minutes, the occasion's residents (on its first record).
        self._at(at(YEAR, 6, 28))
        first, _second, third = self.group_feb
        ledger.record_amend(
            record=third, actor=self.staff[self.c1.pk], credited_minutes=60, residents_served=0, reason="提前离开"
        )
        ledger.record_amend(
            record=first, actor=self.staff[self.c1.pk], credited_minutes=120, residents_served=12, reason="补录人数"
        )
        self.scenario.add("manual records corrected", 2)

        w8 = self.wish(self.c1, self.g1a, published=at(YEAR, 6, 25))
        self.claim(w8, self.wu, at(YEAR, 7, 1, 10))
        self.fulfil(w8, self.wu, at(YEAR, 7, 3, 10))
        self.confirm(w8, at(YEAR, 7, 4))

    def _second_half(self):
        # Given back by an unregistered member of the paired organ, never solved.
        w10 = self.wish(self.c1, self.g1b, published=at(YEAR, 7, 25))
        self.claim(w10, self.zhao, at(YEAR, 8, 1))
        self.release(w10, self.zhao, at(YEAR, 8, 2))

        # Organized by the second branch, with the member who moved to it; one member's hours adjusted down.
        self.act_august = self.activity(
            "文明创建宣传",
            self.c2,
            self.g2a,
            at(YEAR, 8, 16, 9),
            at(YEAR, 8, 16, 11),
            organizer=self.a2,
            attend=[(self.chen, 0, None), (self.zhou, 0, None), (self.zhang, 0, None), (self.zhao, 0, None)],
            residents=8,
        )
        self.decide(self.act_august, at(YEAR, 8, 17), adjust={self.zhang: 60})

        # A draft and a cancelled activity of organ A's branches: never organized.
        self._at(at(YEAR, 8, 18))
        activities.activity_create(
            actor=self.secretary[self.a1.pk],
            now=self.clock.moment,
            **self._activity_fields("草稿活动", self.c1, self.g1a, at(YEAR, 9, 1, 9), at(YEAR, 9, 1, 11), self.a1),
        )
        self.scenario.add("activities left as drafts")
        self._at(at(YEAR, 8, 19))
        cancelled = activities.activity_create(
            actor=self.secretary[self.a2.pk],
            now=self.clock.moment,
            publish=True,
            **self._activity_fields("取消的活动", self.c2, self.g2a, at(YEAR, 9, 2, 9), at(YEAR, 9, 2, 11), self.a2),
        )
        self._at(at(YEAR, 8, 20))
        activities.activity_cancel(
            activity=cancelled, actor=self.secretary[self.a2.pk], reason="天气原因", now=self.clock.moment
        )
        self.scenario.add("activities cancelled")

        # Approved, then corrected to 0 minutes: no service.
        [zero] = self.manual([self.huang], self.c3, self.g3a, at(YEAR, 9, 6, 9), 60, 60, 6, approve=at(YEAR, 9, 7))
        self._at(at(YEAR, 9, 20))
        ledger.record_amend(
            record=zero, actor=self.staff[self.c3.pk], credited_minutes=0, residents_served=6, reason="重复录入"
        )
        self.scenario.add("manual records corrected to 0 minutes")

        # Fulfilled, never confirmed.
        w9 = self.wish(self.c2, self.g2a, published=at(YEAR, 9, 21))
        self.claim(w9, self.wang, at(YEAR, 9, 22))
        self.fulfil(w9, self.wang, at(YEAR, 9, 28, 10))

        # A group entry without a grid, across the branches; one record rejected.
        self.manual(
            [self.li, self.zhang, self.zhou, self.zhao],
            self.c2,
            None,
            at(YEAR, 10, 11, 14),
            90,
            90,
            4,
            approve=at(YEAR, 10, 13),
            reject_members=[self.zhang],
        )

        # Organized by the community; organ A's only attendance is adjusted to 0 minutes.
        self.act_october = self.activity(
            "河道清洁行动",
            self.c3,
            self.g3a,
            at(YEAR, 10, 18, 9),
            at(YEAR, 10, 18, 11),
            organizer=None,
            attend=[(self.yang, 0, None), (self.sun, 0, None)],
            residents=15,
        )
        self.decide(self.act_october, at(YEAR, 10, 19), adjust={self.yang: 0})

        self.manual([self.wang], self.c1, self.g1a, at(YEAR, 11, 11, 9), 60, 60, 2, title="入户走访")  # left pending

    def _new_year(self):
        """Wishes and a night patrol across New Year 2026; a few services in January 2026."""
        w5 = self.wish(self.c2, self.g2a, published=at(YEAR, 12, 1), beneficiary=Beneficiary.GROUP, residents=2)
        self.claim(w5, self.zhou, at(YEAR, 12, 29))  # claimed in 2025, as a member of the second branch
        self.fulfil(w5, self.zhou, at(YEAR + 1, 1, 2, 10))
        self.confirm(w5, at(YEAR + 1, 1, 4))

        w6 = self.wish(self.c1, self.g1b, published=at(YEAR, 12, 10))
        self.claim(w6, self.li, at(YEAR, 12, 30))
        self.fulfil(w6, self.li, at(YEAR + 1, 1, 1, 0, 30))  # the service started at 23:30 on New Year's Eve
        self.confirm(w6, at(YEAR + 1, 1, 2))

        # Starts on New Year's Eve: one member checks in before midnight, one after (a service of 2026).
        self.act_patrol = self.activity(
            "跨年夜平安巡逻",
            self.c2,
            self.g2a,
            at(YEAR, 12, 31, 21),
            at(YEAR + 1, 1, 1, 1),
            organizer=self.a1,
            attend=[(self.zhang, 0, 150), (self.wang, 190, None)],
            residents=5,
            category=ActivityCategory.NIGHT_PATROL,
        )
        self.approve_all(self.act_patrol, at(YEAR + 1, 1, 2))

        self.act_january = self.activity(
            "新春送福",
            self.c3,
            None,
            at(YEAR + 1, 1, 10, 9),
            at(YEAR + 1, 1, 10, 10, 30),
            organizer=None,
            attend=[(self.yang, 0, None), (self.sun, 0, None)],
            residents=4,
        )
        self.approve_all(self.act_january, at(YEAR + 1, 1, 11))
        self.manual([self.zhou], self.c2, self.g2a, at(YEAR + 1, 1, 3, 9), 60, 60, 1, approve=at(YEAR + 1, 1, 5))

    def _households_before(self):
        """2024: organ B's member paired with a household of the third community from October, visited in
        December, the pairing ended on New Year's Day 2025; a request declined in December."""
        self.hh3 = self.household(self.c3, self.g3a, "周阿姨", date(2024, 9, 25))
        p3 = self.pair(self.hh3, date(2024, 10, 1), member=self.sun)
        self.request(self.g1b, at(2024, 12, 10, 10), decide=("decline",))
        self.visit(self.sun, p3, at(2024, 12, 14, 15), 60)
        self.end_pairing(p3, date(YEAR, 1, 1))

    def _team_first_half(self):
        """Organ A's volunteer team (led by 王芳, with 陈静 of the second branch and 周杰) from January; residents'
        requests, one accepted into a wish the team claims and solves and another merged into it; self-registered
        services approved and adjusted; households paired with the team, with 周杰 (who moves in July) and with
        王芳, and their visits."""
        self._at(at(YEAR, 1, 15))
        self.team = teams.team_create(
            actor=self.reviewer_a,
            organ=self.organ_a,
            name="年度局志愿服务队",
            specialty=TeamSpecialty.ELDERLY_CARE,
            leader=self.wang,
        )
        for member in (self.chen, self.zhou):
            self._at(at(YEAR, 1, 20))
            teams.team_apply(actor=member.user, team=self.team)
            self._at(at(YEAR, 1, 21))
            teams.team_accept(actor=self.wang.user, team=self.team, member=member)
        self.scenario.add("team members", 3)

        self.hh2 = self.household(self.c1, self.g1b, "孙爷爷", date(YEAR, 2, 5))
        team_pairing = self.pair(self.hh2, date(YEAR, 2, 10), team=self.team)
        self.hh1 = self.household(self.c2, self.g2a, "钱奶奶", date(YEAR, 2, 20))
        self.zhou_pairing = self.pair(self.hh1, date(YEAR, 3, 1), member=self.zhou)
        self.self_service(self.li, self.c1, self.g1b, at(YEAR, 2, 22, 15), 90, 2)
        self.request(self.g1a, at(YEAR, 3, 3, 10))  # left received
        self.visit(self.chen, team_pairing, at(YEAR, 3, 22, 15), 90, decide=("adjust", 60, 1))
        self.hh4 = self.household(self.c1, self.g1a, "吴大爷", date(YEAR, 3, 28))
        wang_pairing = self.pair(self.hh4, date(YEAR, 4, 1), member=self.wang)
        self.self_service(self.zhang, self.c2, self.g2a, at(YEAR, 4, 26, 15), 120, 3, decide=("adjust", 60, 2))

        # A request accepted into a wish, a second merged into it; the team claims it and two of its members do it.
        wish = self.request(self.g1b, at(YEAR, 4, 28, 10), decide=("accept",))
        merged = self.request(self.g1a, at(YEAR, 5, 2, 10))
        self.claim(wish, self.team, at(YEAR, 5, 6))
        self.decide_request(merged, at(YEAR, 5, 7), ("merge", wish))
        self.fulfil(wish, self.team, at(YEAR, 5, 8, 10), participants=[self.wang, self.chen])
        self.confirm(wish, at(YEAR, 5, 9))

        self.visit(self.zhou, self.zhou_pairing, at(YEAR, 5, 17, 15), 60)  # as a member of the first branch
        self.pair(self.hh2, date(YEAR, 6, 1), member=self.wang)  # the team's household, paired with 王芳 too
        self.request(self.g2a, at(YEAR, 6, 9, 10), decide=("accept",))  # its wish never claimed
        self.visit(self.wang, wang_pairing, at(YEAR, 6, 14, 15), 60, decide=None)  # left pending
        self.team_pairing = team_pairing

    def _team_second_half(self):
        """Self-registered services rejected, approved (one as the team) and pending; a request declined; 周杰's
        visit as a member of the second branch; a household closed; an activity organized by the team, its members
        signed up as the team by its leader."""
        self.self_service(self.sun, self.c3, self.g3a, at(YEAR, 7, 19, 15), 60, 1, decide="reject")
        self.request(self.g3a, at(YEAR, 8, 5, 10), decide=("decline",))
        self.visit(self.wang, self.team_pairing, at(YEAR, 8, 23, 15), 60, decide="reject")
        self.self_service(self.zhao, self.c1, self.g1a, at(YEAR, 9, 13, 15), 60, 1)
        self.visit(self.zhou, self.zhou_pairing, at(YEAR, 9, 20, 15), 60)
        self._at(at(YEAR, 10, 1, 12))
        households.household_close(actor=self.staff[self.c1.pk], household=self.hh4, reason="已搬离本社区")
        self.scenario.add("households closed")
        self.act_team = self.activity(
            "敬老院志愿服务",
            self.c1,
            self.g1a,
            at(YEAR, 10, 25, 9),
            at(YEAR, 10, 25, 11),
            organizer=None,
            organizer_team=self.team,
            team_signup=(self.team, [self.wang, self.zhou]),
            attend=[(self.wang, 0, None), (self.zhou, 0, None), (self.sun, 0, None)],
            residents=10,
        )
        self.approve_all(self.act_team, at(YEAR, 10, 26))
        self.self_service(self.chen, self.c1, self.g1b, at(YEAR, 11, 22, 15), 120, 4, team=self.team)
        self.self_service(self.wu, self.c1, self.g1b, at(YEAR, 12, 13, 15), 60, 1, decide=None)

    def _households_new_year(self):
        """A household paired on New Year's Eve, visited in January 2026; a request of January 2026."""
        self.hh5 = self.household(self.c3, self.g3a, "郑奶奶", date(YEAR, 12, 20))
        pairing = self.pair(self.hh5, date(YEAR, 12, 31), member=self.yang)
        self.visit(self.yang, pairing, at(YEAR + 1, 1, 3, 10), 60)
        self.request(self.g2a, at(YEAR + 1, 1, 5, 10))

    # --- self-registered services, households, residents' requests ------------------------------------------------

    def decide_record(self, record, when, decide):
        """The staff of the record's community decide it: "approve", "reject", ("adjust", minutes, residents), or
        None (left pending)."""
        if decide is None:
            self.scenario.add("self-registered records left pending")
            return
        self._at(when)
        staff = self.staff[record.community_id]
        if decide == "approve":
            ledger.record_approve(record=record, actor=staff)
            self.scenario.add("self-registered records approved")
        elif decide == "reject":
            ledger.record_reject(record=record, actor=staff, reason="未能核实")
            self.scenario.add("self-registered records rejected")
        else:
            _adjust, minutes, residents = decide
            ledger.record_adjust(
                record=record, actor=staff, credited_minutes=minutes, residents_served=residents, reason="按实际核定"
            )
            self.scenario.add("self-registered records adjusted")

    def self_service(self, member, community, grid, started, minutes, residents, *, team=None, decide="approve"):
        """Registered by the member the day after, decided by the community's staff the day after that."""
        self._at(started + timedelta(days=1))
        made = self_service_register(
            actor=member.user,
            community=community,
            grid=grid,
            place=f"{community.name}居民家中",
            category=ServiceCategory.ELDERLY,
            content="上门陪伴老人",
            started_at=started,
            ended_at=started + timedelta(minutes=minutes),
            residents_served=residents,
            team=team,
        )
        self.scenario.add("self-registered services as a team" if team else "self-registered services")
        self.decide_record(record_of(made), started + timedelta(days=2), decide)
        return made

    def household(self, community, grid, name, consent_on):
        self._at(at(consent_on.year, consent_on.month, consent_on.day, 12))
        self.scenario.add("households")
        return households.household_create(
            actor=self.staff[community.pk],
            community=community,
            grid=grid,
            head_name=name,
            address=f"{grid.name}{name}家",
            situation=HouseholdSituation.ELDERLY_ALONE,
            consent_on=consent_on,
        )

    def pair(self, household, started_on, *, member=None, team=None):
        self._at(at(started_on.year, started_on.month, started_on.day, 12))
        self.scenario.add("household pairings with a team" if team else "household pairings with a member")
        return households.pairing_create(
            actor=self.staff[household.community_id],
            household=household,
            member=member,
            team=team,
            started_on=started_on,
        )

    def end_pairing(self, pairing, day):
        self._at(at(day.year, day.month, day.day, 12))
        self.scenario.add("household pairings ended")
        return households.pairing_end(
            actor=self.staff[pairing.household.community_id], pairing=pairing, reason="结对调整"
        )

    def visit(self, member, pairing, started, minutes, *, decide="approve"):
        """A visit the member registers the day after (a self-registered service), decided the day after that."""
        self._at(started + timedelta(days=1))
        made = households.household_visit_register(
            actor=member.user,
            pairing=pairing,
            started_at=started,
            ended_at=started + timedelta(minutes=minutes),
            content="入户走访",
        )
        self.scenario.add("household visits")
        self.decide_record(record_of(made.self_service), started + timedelta(days=2), decide)
        return made

    def request(self, grid, when, decide=None):
        """A resident's request through the poster: a code texted to their number, then the request, whose address
        names the grid (the offline geocoder finds it); decided by the community's staff the day after. Returns the
        wish it was accepted into, else the request."""
        self._at(when)
        number = self.scenario.counts["residents' requests"]
        phone = f"1371234{number:04d}"
        with TestCase.captureOnCommitCallbacks() as texts:
            residents.resident_request_code_send(phone=phone, ip="203.0.113.9")
        code = re.search(r"(?<!\d)\d{6}(?!\d)", texts[-1].args[1]).group(0)
        request = residents.resident_request_submit(
            name="居民",
            phone=phone,
            code=code,
            address=f"{grid.name}{number + 1}号楼",
            need=f"家里第{number + 1}件难事，想请人帮忙。",
        )
        self.scenario.add("residents' requests")
        if decide is None:
            return request
        return self.decide_request(request, when + timedelta(days=1), decide)

    def decide_request(self, request, when, decide):
        self._at(when)
        staff = self.staff[request.community_id]
        if decide[0] == "accept":
            request = residents.resident_request_accept(
                request=request,
                actor=staff,
                title=f"{request.grid.name}居民点单",
                category=WishCategory.ELDERLY,
                deadline=when + timedelta(days=60),
                publish=True,
            )
            self.scenario.add("residents' requests accepted")
            return request.wish
        if decide[0] == "merge":
            residents.resident_request_merge(request=request, actor=staff, wish=decide[1])
            self.scenario.add("residents' requests merged")
            return request
        residents.resident_request_decline(request=request, actor=staff, reason="不属于社区服务范围")
        self.scenario.add("residents' requests declined")
        return request

    # --- wishes ---------------------------------------------------------------------------------------------------

    def wish(self, community, grid, *, published, beneficiary=Beneficiary.INDIVIDUAL, residents=1):
        self._at(published)
        self.scenario.add("wishes published")
        return wishes.wish_create(
            actor=self.staff[community.pk],
            grid=grid,
            community=community,
            title=f"{grid.name}的微心愿{self.scenario.counts['wishes published']}",
            category=WishCategory.ELDERLY,
            resident_name="张大爷",
            deadline=published + timedelta(days=60),
            beneficiary=beneficiary,
            residents_count=residents,
            publish=True,
        )

    def _claimant(self, who):
        """A member claims for themselves; a branch through its secretary; a team through its leader."""
        if isinstance(who, PartyOrg):
            return self.secretary[who.pk], who, None
        if isinstance(who, Team):
            return who.leader.user, None, who
        return who.user, None, None

    def claim(self, wish, who, when):
        self._at(when)
        actor, branch, team = self._claimant(who)
        wishes.wish_claim(wish=wish, actor=actor, as_branch=branch, as_team=team)
        kind = "a branch" if branch else "a team" if team else "a member"
        self.scenario.add(f"wish claims by {kind}")

    def release(self, wish, who, when):
        self._at(when)
        wishes.wish_release(wish=wish, actor=self._claimant(who)[0], reason="临时有事，无法完成")
        self.scenario.add("wish claims given back")

    def fulfil(self, wish, who, when, participants=None):
        self._at(when)
        wishes.wish_fulfil(wish=wish, actor=self._claimant(who)[0], note="已上门完成。", participants=participants)
        self.scenario.add("wishes fulfilled")

    def confirm(self, wish, when):
        self._at(when)
        wishes.wish_confirm(wish=wish, actor=self.staff[wish.community_id], rating=5)
        self.scenario.add("wishes confirmed")

    # --- activities -----------------------------------------------------------------------------------------------

    def _activity_fields(
        self, title, community, grid, starts, ends, organizer, category=ActivityCategory.CLEAN_UP, organizer_team=None
    ):
        return {
            "community": community,
            "grid": grid,
            "title": title,
            "category": category,
            "address": f"{community.name}活动室",
            "latitude": community.latitude,
            "longitude": community.longitude,
            "starts_at": starts,
            "ends_at": ends,
            "capacity": 10,
            "organizer_party_org": organizer,
            "organizer_team": organizer_team,
        }

    def activity(
        self,
        title,
        community,
        grid,
        starts,
        ends,
        *,
        organizer,
        attend,
        residents,
        category=None,
        organizer_team=None,
        team_signup=None,
    ):
        """Created (by the organizing branch's secretary, else the community's staff; maybe organized by a team) and
        published a fortnight ahead; the members sign up (those of `team_signup` = (team, members) together, by
        its leader, as the team), check in where it is held `late` minutes after the start (None: a no-show) and
        check out after `stay` minutes (None: at the end; "missing": never); finished after the end by its staff
        with the residents served, or by the scheduler (residents None)."""
        creator = self.secretary[organizer.pk] if organizer is not None else self.staff[community.pk]
        created = self._at(starts - timedelta(days=14))
        fields = self._activity_fields(
            title, community, grid, starts, ends, organizer, category or ActivityCategory.CLEAN_UP, organizer_team
        )
        activity = activities.activity_create(actor=creator, publish=True, now=created, **fields)
        kind = "a team" if organizer_team else "a branch" if organizer else "a community"
        self.scenario.add(f"activities organized by {kind}")
        signups = {}
        if team_signup is not None:
            team, members = team_signup
            when = self._at(starts - timedelta(days=8))
            made = activities.signup_create_team(
                activity=activity, actor=team.leader.user, team=team, members=members, now=when
            )
            signups.update({signup.member_id: signup for signup in made})
            self.scenario.add("team sign-ups", len(made))
        for n, (member, _late, _stay) in enumerate(attend):
            if member.pk in signups:
                continue
            when = self._at(starts - timedelta(days=7, minutes=-n))
            signups[member.pk] = activities.signup_create(activity=activity, member=member, now=when)
            self.scenario.add("sign-ups")
        for member, late, stay in attend:
            if late is None:
                self.scenario.add("no-shows")
                continue
            when = self._at(starts + timedelta(minutes=late))
            activities.checkin_by_position(
                signup=signups[member.pk],
                actor=member.user,
                latitude=community.latitude,
                longitude=community.longitude,
                now=when,
            )
            if isinstance(stay, int):
                when = self._at(starts + timedelta(minutes=stay))
                activities.checkout(signup=signups[member.pk], actor=member.user, now=when)
        finished = self._at(ends + timedelta(minutes=30))
        lead = self.staff[community.pk] if residents is not None else None
        hours.activity_finish(activity=activity, actor=lead, now=finished, residents_served=residents)
        activity.refresh_from_db()
        activity.signups_by_member = signups
        return activity

    def decide(self, activity, when, *, reject=(), adjust=None):
        """The community's staff decide every pending attendance: approve, reject, or set the minutes."""
        self._at(when)
        staff = self.staff[activity.community_id]
        adjust = {member.pk: minutes for member, minutes in (adjust or {}).items()}
        rejected = {member.pk for member in reject}
        for member_id, signup in activity.signups_by_member.items():
            signup.refresh_from_db()
            if signup.record_id is None:
                continue  # a no-show: nothing to decide
            if member_id in rejected:
                hours.hours_reject(signup=signup, actor=staff, reason="签到位置异常")
                self.scenario.add("attendances rejected")
            elif member_id in adjust:
                hours.hours_adjust(
                    signup=signup, actor=staff, credited_minutes=adjust[member_id], reason="按实际时长核定"
                )
                self.scenario.add("attendances adjusted" if adjust[member_id] else "attendances adjusted to 0 minutes")
            else:
                hours.hours_approve(signup=signup, actor=staff)
                self.scenario.add("attendances approved")

    def approve_all(self, activity, when):
        self.decide(activity, when)

    # --- manual records ------------------------------------------------------------------------------------------

    def manual(
        self,
        members,
        community,
        grid,
        started,
        span,
        minutes,
        residents,
        *,
        approve=None,
        reject=None,
        reject_members=(),
        title="集中开展政策宣讲",
    ):
        """Entered the day after the service; then approved (all but `reject_members`, rejected), rejected, or left
        pending."""
        staff = self.staff[community.pk]
        self._at(started + timedelta(days=1))
        records = enter_manual(
            actor=staff,
            members=members,
            community=community,
            grid=grid,
            content=title,
            started_at=started,
            span=span,
            minutes=minutes,
            residents=residents,
            reason="线下服务补录",
        )
        self.scenario.add("manual entries for several members" if len(members) > 1 else "manual entries for one member")
        self.scenario.add("manual records", len(records))
        refused = {member.pk for member in reject_members}
        if approve is None and reject is None:
            self.scenario.add("manual records left pending", len(records))
            return records
        self._at(approve or reject)
        decided = []
        for record in records:
            if reject is not None or record.member_id in refused:
                decided.append(ledger.record_reject(record=record, actor=staff, reason="经核实未参加"))
                self.scenario.add("manual records rejected")
            else:
                decided.append(ledger.record_approve(record=record, actor=staff))
        return decided


# --- the direct count -------------------------------------------------------------------------------------------


def half_up(part, whole, places):
    """part / whole rounded half up to `places` decimals (None when whole is 0), in decimal arithmetic."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def hours_of(minutes):
    """Tenths of an hour are minutes / 6, rounded half up: an integer rule, independent of the code's."""
    return Decimal((minutes + 3) // 6).scaleb(-1)


def stars_of(value, thresholds):
    return sum(1 for threshold in thresholds if value >= threshold)


@dataclass(frozen=True)
class Target:
    """A node the figures are asked for: its level (as the API names it) and its object (None: the city)."""

    level: str
    obj: object = None

    @property
    def pk(self):
        return None if self.obj is None else self.obj.pk

    @property
    def name(self):
        if self.obj is None:
            return "city"
        return self.obj.user.name if self.level == "member" else self.obj.name

    @property
    def is_org(self):
        return self.level in ("organ", "party_org", "member")

    @property
    def is_place(self):
        return self.level in ("district", "street", "community", "grid")

    @property
    def is_team(self):
        return self.level == "team"

    def params(self):
        return {"level": self.level} if self.obj is None else {"level": self.level, "id": self.pk}

    def form_value(self):
        return "city" if self.obj is None else f"{self.level}:{self.pk}"


@dataclass(frozen=True)
class Span:
    """A period: its first and last local day, and how the API and the dashboard name it."""

    first: date
    last: date
    params: tuple  # ((name, value), ...)
    kind: str = "year"

    def holds(self, moment):
        return self.first <= timezone.localtime(moment, LOCAL).date() <= self.last

    def share_of_year(self):
        share = 0.0
        for year in range(self.first.year, self.last.year + 1):
            first, last = max(self.first, date(year, 1, 1)), min(self.last, date(year, 12, 31))
            length = (date(year + 1, 1, 1) - date(year, 1, 1)).days
            share += ((last - first).days + 1) / length
        return share

    def target_minutes(self):
        return round(ANNUAL_HOUR_TARGET * 60 * self.share_of_year())


def year_span(year):
    return Span(date(year, 1, 1), date(year, 12, 31), (("year", year),))


def month_span(year, month):
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return Span(date(year, month, 1), last, (("year", year), ("month", month)), kind="month")


class Direct:
    """Every figure counted in Python over the rows the services wrote, as docs/statistics.md defines it."""

    def __init__(self):
        self.communities = {c.pk: c for c in Community.objects.select_related("street")}
        self.grids = {g.pk: g for g in Grid.objects.all()}
        self.organs = {o.pk: o for o in Organ.objects.all()}
        self.branches = {b.pk: b for b in PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH)}
        self.members = {m.pk: m for m in Member.objects.select_related("user", "branch")}
        self.registrations = list(
            Registration.objects.filter(status=RegistrationStatus.CONFIRMED).values(
                "member_id", "community_id", "grid_id"
            )
        )
        self.activities = {a.pk: a for a in Activity.objects.all()}
        self.affiliations = defaultdict(list)
        for row in MemberAffiliation.objects.order_by("started_on", "id").values(
            "member_id", "organ_id", "branch_id", "started_on"
        ):
            self.affiliations[row["member_id"]].append(row)
        self.households = {h.pk: h for h in Household.objects.all()}
        self.pairings = list(
            HouseholdPairing.objects.values(
                "household_id", "member_id", "team_id", "team__organ_id", "started_on", "ended_on"
            )
        )
        self.visit_household = dict(HouseholdVisit.objects.values_list("self_service_id", "pairing__household_id"))
        self.signup_activity = dict(SignUp.objects.values_list("pk", "activity_id"))
        self.wishes = {w.pk: w for w in Wish.objects.all()}
        self.claim_rows = list(
            WishClaim.objects.values("wish_id", "member_id", "branch_id", "team_id", "claimed_at", "status")
        )
        self.team_members = defaultdict(set)
        for team_id, member_id in TeamMembership.objects.filter(
            status=MembershipStatus.ACTIVE, member__is_active=True
        ).values_list("team_id", "member_id"):
            self.team_members[team_id].add(member_id)
        rows = list(
            ServiceRecord.objects.values(
                "id",
                "member_id",
                "organ_id",
                "branch_id",
                "community_id",
                "grid_id",
                "source",
                "source_id",
                "started_at",
                "credited_minutes",
                "residents_served",
                "status",
                "amends_id",
                "occasion",
                "team_id",
            )
        )
        self.rows = rows
        approved = [r for r in rows if r["status"] == RecordStatus.APPROVED]
        amendments = defaultdict(list)
        for r in approved:
            if r["amends_id"] is not None:
                amendments[r["amends_id"]].append(r)
        by_id = {r["id"]: r for r in rows}
        # Each approved original with its figures after every approved amendment.
        self.originals = []
        for r in approved:
            if r["amends_id"] is None:
                fixes = amendments[r["id"]]
                minutes = r["credited_minutes"] + sum(a["credited_minutes"] for a in fixes)
                residents = r["residents_served"] + sum(a["residents_served"] for a in fixes)
                self.originals.append({**r, "minutes": minutes, "residents": residents, "key": self._key(r)})
        # The residents of each service, whoever's record carries them.
        self.residents = Counter()
        for r in approved:
            original = by_id[r["amends_id"]] if r["amends_id"] is not None else r
            key = self._key(original)
            if key[0] != "activity":
                self.residents[key] += r["residents_served"]
        for activity in self.activities.values():
            self.residents[("activity", activity.pk)] = activity.residents_served

    def _key(self, r):
        """What one service is: an activity, a wish, a manual occasion, or a lone manual record."""
        if r["source"] == ServiceSource.ACTIVITY:
            return ("activity", self.signup_activity[r["source_id"]])
        if r["source"] == ServiceSource.WISH:
            return ("wish", r["source_id"])
        if r["occasion"] is not None:
            return ("occasion", r["occasion"])
        return ("record", r["id"])

    # --- where things belong ---
    def _in_place(self, target, community_id, grid_id):
        community = self.communities[community_id]
        return {
            "district": lambda: community.street.district_id == target.pk,
            "street": lambda: community.street_id == target.pk,
            "community": lambda: community_id == target.pk,
            "grid": lambda: grid_id == target.pk,
        }[target.level]()

    def attributed(self, target, r):
        level = target.level
        if level == "city":
            return True
        if level == "organ":
            return r["organ_id"] == target.pk
        if level == "party_org":
            return r["branch_id"] == target.pk
        if level == "member":
            return r["member_id"] == target.pk
        if level == "team":  # the services done as the team
            return r["team_id"] == target.pk
        return self._in_place(target, r["community_id"], r["grid_id"])

    def members_now(self, target):
        active = [m for m in self.members.values() if m.is_active]
        level = target.level
        if level == "city":
            return {m.pk for m in active}
        if level == "organ":
            return {m.pk for m in active if m.organ_id == target.pk}
        if level == "party_org":
            return {m.pk for m in active if m.branch_id == target.pk}
        if level == "member":
            return {target.pk}
        if level == "team":
            return set(self.team_members[target.pk])
        ids = {m.pk for m in active}
        return {
            reg["member_id"]
            for reg in self.registrations
            if reg["member_id"] in ids and self._in_place(target, reg["community_id"], reg["grid_id"])
        }

    def registered(self):
        return {reg["member_id"] for reg in self.registrations}

    def _claim_in(self, target, claim):
        level = target.level
        member = self.members.get(claim["member_id"])
        branch = self.branches.get(claim["branch_id"])
        if level == "city":
            return True
        if level == "organ":
            return (member is not None and member.organ_id == target.pk) or (
                branch is not None and branch.organ_id == target.pk
            )
        if level == "party_org":
            return (member is not None and member.branch_id == target.pk) or claim["branch_id"] == target.pk
        if level == "member":
            return claim["member_id"] == target.pk
        if level == "team":
            return claim["team_id"] == target.pk
        wish = self.wishes[claim["wish_id"]]
        return self._in_place(target, wish.community_id, wish.grid_id)

    def _organized(self, target, activity):
        live = (ActivityStatus.OPEN, ActivityStatus.CLOSED, ActivityStatus.FINISHED)
        if activity.status not in live:
            return False
        level = target.level
        organizer = self.branches.get(activity.organizer_party_org_id)
        if level == "city":
            return True
        if level == "organ":
            return organizer is not None and organizer.organ_id == target.pk
        if level == "party_org":
            return activity.organizer_party_org_id == target.pk
        if level == "team":
            return activity.organizer_team_id == target.pk
        return self._in_place(target, activity.community_id, activity.grid_id)

    # --- the figures ---
    def members_listed(self, target, span):
        """The members a member table of the node lists: its members now and whoever served for it in the period."""
        return self.members_now(target) | {r["member_id"] for r in self.services(target, span)}

    def services(self, target, span, extra=None):
        """The originals that count as services of the node in the period (more than 0 minutes after amendments),
        optionally only those `extra` keeps."""
        return [
            r
            for r in self.originals
            if r["minutes"] > 0
            and span.holds(r["started_at"])
            and self.attributed(target, r)
            and (extra is None or extra(r))
        ]

    def sums(self, services):
        """The figures that are sums over services, and those counted once per service."""
        keys = {r["key"] for r in services}
        minutes = sum(r["minutes"] for r in services)
        return {
            "services": len(keys),
            "person_times": len(services),
            "members_served": len({r["member_id"] for r in services}),
            "minutes": minutes,
            "hours": hours_of(minutes),
            "residents_served": sum(self.residents[key] for key in keys),
            "wish_services": sum(1 for r in services if r["source"] == ServiceSource.WISH),
            "points": sum(
                r["minutes"] * POINTS_PER_HOUR // 60 + (POINTS_PER_WISH if r["source"] == ServiceSource.WISH else 0)
                for r in services
            ),
            "wishes_solved": len({key for key in keys if key[0] == "wish"}),
            "activities_joined": len({key for key in keys if key[0] == "activity"}),
        }

    def minutes_by_member(self, services):
        minutes = Counter()
        for r in services:
            minutes[r["member_id"]] += r["minutes"]
        return minutes

    def wish_claims(self, target, span):
        cohort = [c for c in self.claim_rows if span.holds(c["claimed_at"]) and self._claim_in(target, c)]
        claimed = {c["wish_id"] for c in cohort}
        fulfilled = {c["wish_id"] for c in cohort if c["status"] == ClaimStatus.COMPLETED}
        confirmed = {w for w in fulfilled if self.wishes[w].status == WishStatus.CONFIRMED}
        return {
            "wishes_claimed": len(claimed),
            "wishes_fulfilled": len(fulfilled),
            "wishes_confirmed": len(confirmed),
            "wish_completion_rate": half_up(len(confirmed), len(claimed), 4),
        }

    def activities_organized(self, target, span):
        if target.level == "member":
            return None
        return sum(1 for a in self.activities.values() if span.holds(a.starts_at) and self._organized(target, a))

    def requests(self, target, span):
        """Residents' requests received at the place (the city: all) on a day of the period, and of those the
        accepted or merged ones and those whose wish is fulfilled or confirmed now."""
        cohort = [
            r
            for r in ResidentRequest.objects.select_related("wish")
            if span.holds(r.created_at)
            and (target.level == "city" or self._in_place(target, r.community_id, r.grid_id))
        ]
        accepted = [r for r in cohort if r.status in (RequestStatus.ACCEPTED, RequestStatus.MERGED)]
        done = [r for r in accepted if r.wish.status in (WishStatus.FULFILLED, WishStatus.CONFIRMED)]
        return {"requests_received": len(cohort), "requests_accepted": len(accepted), "requests_done": len(done)}

    def affiliation_on(self, member_id, day):
        """The member's organ and branch on `day`: the affiliation that started last on or before it, else the
        first."""
        rows = self.affiliations[member_id]
        chosen = rows[0]
        for row in rows:
            if row["started_on"] <= day:
                chosen = row
        return chosen

    def _pairing_in(self, target, pairing, first, last):
        """Whether a pairing open from `first` to `last` (days of the period) belongs to the node."""
        level = target.level
        if level == "city":
            return True
        if level == "member":
            return pairing["member_id"] == target.pk
        if target.is_place:
            household = self.households[pairing["household_id"]]
            return self._in_place(target, household.community_id, household.grid_id)
        if pairing["team_id"] is not None:  # a team's: the team and its organ
            return (
                pairing["team_id"] == target.pk
                if level == "team"
                else level == "organ" and pairing["team__organ_id"] == target.pk
            )
        if level == "team":
            return False
        key = "organ_id" if level == "organ" else "branch_id"
        day = first
        while day <= last:
            if self.affiliation_on(pairing["member_id"], day)[key] == target.pk:
                return True
            day += timedelta(days=1)
        return False

    def households_figures(self, target, span):
        """Households with a pairing of the node open on a day of the period, and households with a visit that is a
        service of the node in the period."""
        paired = set()
        for pairing in self.pairings:
            first, last = max(pairing["started_on"], span.first), min(pairing["ended_on"] or span.last, span.last)
            if first <= last and self._pairing_in(target, pairing, first, last):
                paired.add(pairing["household_id"])
        visited = {
            self.visit_household[r["source_id"]]
            for r in self.services(target, span)
            if r["source"] == ServiceSource.SELF and r["source_id"] in self.visit_household
        }
        return {"households_paired": len(paired), "households_visited": len(visited)}

    def figures(self, target, span):
        """Every figure of the glossary for the node and period, as the summary answers them."""
        services = self.services(target, span)
        sums = self.sums(services)
        members = self.members_now(target)
        served = self.minutes_by_member(services)
        has_rate = target.is_org or target.level in ("city", "team")
        registered = len(members & self.registered()) if has_rate else len(members)
        target_minutes = span.target_minutes()
        meeting = sum(1 for pk in members if served.get(pk, 0) >= target_minutes)
        figures = {
            "members": len(members),
            "registered_members": registered,
            "registration_rate": half_up(registered, len(members), 4) if not target.is_place else None,
            **{k: sums[k] for k in ("services", "person_times", "members_served", "hours", "minutes")},
            "residents_served": sums["residents_served"],
            "wish_services": sums["wish_services"],
            "points": sums["points"],
            **self.wish_claims(target, span),
            "wishes_solved": sums["wishes_solved"],
            "activities_organized": self.activities_organized(target, span),
            "activities_joined": sums["activities_joined"],
            "zero_service_members": sum(1 for pk in members if pk not in served),
            "target_hours": hours_of(target_minutes),
            "below_target_members": len(members) - meeting,
            "target_completion_rate": half_up(meeting, len(members), 4),
        }
        figures.update(self.households_figures(target, span))
        if target.level == "city" or target.is_place:  # residents' requests belong to places
            figures.update(self.requests(target, span))
        if target.level == "member":
            figures["stars"] = stars_of(figures["points"], STARS_MEMBER)
        elif target.level == "party_org":
            average = figures["points"] / figures["members"] if figures["members"] else 0
            figures["stars"] = stars_of(average, STARS_BRANCH)
        return figures

    # --- rows of tables and rankings ---
    def branch_rows(self, organ, span):
        """Each branch of the organ: its figures as the branch table and the branch summary show them."""
        rows = []
        for branch in sorted((b for b in self.branches.values() if b.organ_id == organ.pk), key=lambda b: b.path):
            target = Target("party_org", branch)
            figures = self.figures(target, span)
            members = figures["members"]
            rows.append(
                {
                    "id": branch.pk,
                    "name": branch.name,
                    **{k: figures[k] for k in BRANCH_ROW_FIELDS if k in figures},
                    "average_points": half_up(figures["points"], members, 1) if members else 0,
                }
            )
        return rows

    def member_rows(self, target, span):
        """Each member of an organization node now, and each member with a service attributed to it in the
        period: their figures at the node (the member table and the member ranking)."""
        services = self.services(target, span)
        by_member = defaultdict(list)
        for r in services:
            by_member[r["member_id"]].append(r)
        ids = self.members_now(target) | set(by_member)
        rows = []
        for pk in ids:
            member = self.members[pk]
            sums = self.sums(by_member.get(pk, []))
            rows.append(
                {
                    "id": pk,
                    "name": member.user.name,
                    "branch": member.branch.name,
                    "registered": pk in self.registered(),
                    **{k: sums[k] for k in SUM_FIELDS},
                    "stars": stars_of(sums["points"], STARS_MEMBER),
                    "meets_target": sums["minutes"] >= span.target_minutes(),
                }
            )
        return rows

    def organ_rows(self, span):
        """Each organ of the city (the city's organ ranking)."""
        rows = []
        for organ in self.organs.values():
            target = Target("organ", organ)
            sums = self.sums(self.services(target, span))
            rows.append({"id": organ.pk, "name": organ.name, "members": len(self.members_now(target)), **_pick(sums)})
        return rows

    def place_rows(self, place, level, span):
        """Each street, community or grid of the place, with the members registered there now, the members who
        served there and the sums of the services done there; a community's grids get a "no grid" line (id None)
        when services were recorded, or members registered, without a grid."""
        if level == "street":
            parts = [s for s in {c.street for c in self.communities.values()} if s.district_id == place.pk]
            parts.sort(key=lambda s: s.code)
        elif level == "community":
            parts = [
                c
                for c in self.communities.values()
                if (c.street_id == place.pk if place.level == "street" else c.street.district_id == place.pk)
            ]
            parts.sort(key=lambda c: (c.street.code, c.code))
        else:
            parts = sorted((g for g in self.grids.values() if g.community_id == place.pk), key=lambda g: g.code)
        rows = [self._place_row(Target(level, part), span) for part in parts]
        if level == "grid":
            outer = Target("community", place.obj)
            no_grid = self.services(outer, span, lambda r: r["grid_id"] is None)
            registered = {
                reg["member_id"]
                for reg in self.registrations
                if reg["community_id"] == place.pk
                and reg["grid_id"] is None
                and self.members[reg["member_id"]].is_active
            }
            if no_grid or registered:
                rows.append({"id": None, "name": None, "members": len(registered), **_pick(self.sums(no_grid))})
        return rows

    def _place_row(self, target, span):
        sums = self.sums(self.services(target, span))
        row = {"id": target.pk, "name": target.name, "members": len(self.members_now(target)), **_pick(sums)}
        if target.level == "community":
            row["street"] = target.obj.street.name
        return row

    def organs_in_place(self, place, span):
        """The organs serving in a place: those with a service done there in the period, or with members registered
        there now; each with its records done there and its own members registered there."""
        registered = defaultdict(set)
        for pk in self.members_now(place):
            registered[self.members[pk].organ_id].add(pk)
        serving = {r["organ_id"] for r in self.services(place, span)}
        rows = []
        for organ_id in serving | {pk for pk, ids in registered.items() if ids}:
            services = self.services(place, span, lambda r, organ_id=organ_id: r["organ_id"] == organ_id)
            rows.append(
                {
                    "id": organ_id,
                    "name": self.organs[organ_id].name,
                    "members": len(registered[organ_id]),
                    **_pick(self.sums(services)),
                }
            )
        return rows

    def unregistered(self, target):
        return {pk for pk in self.members_now(target) if pk not in self.registered()}

    def zero_service(self, target, span):
        served = {r["member_id"] for r in self.services(target, span)}
        return {pk for pk in self.members_now(target) if pk not in served}


SUM_FIELDS = ("person_times", "minutes", "hours", "residents_served", "wish_services", "points")
BRANCH_ROW_FIELDS = (
    "members",
    "registered_members",
    "registration_rate",
    "members_served",
    "wishes_solved",
    "activities_organized",
    "activities_joined",
    *SUM_FIELDS,
    "stars",
)


def _pick(sums):
    return {**{k: sums[k] for k in SUM_FIELDS}, "members_served": sums["members_served"]}


def ranked(rows, metric):
    """Competition ranks on the metric (hours rank by minutes), ties listed by name then id."""
    key = "minutes" if metric == "hours" else metric
    rows = sorted(rows, key=lambda row: (-row[key], row["name"], row["id"]))
    for row in rows:
        row["rank"] = 1 + sum(1 for other in rows if other[key] > row[key])
    return rows
