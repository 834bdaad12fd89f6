"""The synthetic city of the statistics benchmark, written in bulk: places, organs and their Party trees, members,
registrations, pairings, activities with sign-ups, wishes with claims, and a ledger of service records.

This is synthetic load, not data made through the services: no audit entries, no notifications, no validation
beyond the database's own constraints (which all hold). It keeps what the statistics read: every record carries its
member's organ and branch of the time (a few members moved organ at the start of the year), the community and grid
where the service was done (mostly the member's registration community), a source object that exists (the sign-up
of an activity, the confirmed wish), amendments that share their original's member, place, source and start, and
the statuses of a real ledger (pending, rejected, approved). Rows go in with PostgreSQL COPY, or multi-row INSERTs
on other databases, with ids chosen here so that no row has to be read back.
"""

import random
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED, Count, Max
from django.utils import timezone

from apps.accounts.models import Role, RoleAssignment, User
from apps.activities.models import Activity, ActivityCategory, ActivityStatus, SignUp
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.orgs.models import Member, MemberAffiliation, Organ, PartyOrg, PartyOrgKind
from apps.places.models import Community, CommunityKind, District, Grid, Street
from apps.registrations.models import Pairing, Registration, RegistrationStatus
from apps.stats.models import CommunityDayTotal, MemberDayTotal, OrganDayTotal
from apps.wishes.models import ClaimStatus, Wish, WishClaim, WishStatus

# The shape of the city (shares of members or of records).
REGISTERED_SHARE = 0.85  # members with a confirmed registration
PENDING_REGISTRATION_SHARE = 0.03  # members whose registration waits for confirmation
MOVER_SHARE = 0.01  # members who changed organ on the first day of the benchmark year
ZERO_SERVICE_SHARE = {True: 0.06, False: 0.30}  # by registered: members with no service in a year
SOURCE_SHARES = ((ServiceSource.ACTIVITY, 0.70), (ServiceSource.WISH, 0.10), (ServiceSource.MANUAL, 0.20))
PENDING_SHARE = 0.02  # original records still waiting for approval
REJECTED_SHARE = 0.005
AMENDMENT_SHARE = 0.01  # of the ledger rows: approved amendments (nine in ten) or pending ones
OPEN_CLAIM_SHARE = 0.05  # wishes claimed but not yet fulfilled, per fulfilled wish
PREVIOUS_YEAR_SHARE = 0.10  # ledger rows in the year before, per row in the benchmark year
GRIDS_PER_COMMUNITY = 8
DISTRICTS = 4
BIG_ORGAN_NAME = "基准机关001"  # the first organ: the one with 1,000 members (at scale 1) whose export is timed

CITY_LAT, CITY_LNG = 30.2741, 120.1551
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅波辉鑫建国志文斌宁晨欣怡浩然雪婷俊凯"
MANUAL_CONTENT = ("入户走访困难群众", "政策宣传", "矛盾纠纷调解", "协助疫苗接种登记", "社区议事协商", "文明劝导")
# A manual entry's category, by its service's index (not drawn from the generator, so the rest stays as it was).
MANUAL_CATEGORIES = ("care_visit", "policy_talk", "other", "elderly", "civility", "clean_up", "night_patrol")
WISH_TITLES = ("为独居老人送米面油", "辅导小学生功课", "为残疾人代购药品", "修理老旧门锁", "陪伴老人就医")


@dataclass(frozen=True)
class Plan:
    """The sizes to generate: `records` ledger rows (originals and amendments) start in `year`, and
    `previous_year_records` in the year before."""

    scale: float
    year: int
    seed: int
    districts: int
    streets: int
    communities: int
    organs: int
    members: int
    big_organ_members: int
    records: int
    previous_year_records: int

    def as_dict(self):
        return asdict(self)


def plan_for(*, scale=1.0, year=None, seed=20250101):
    """The city at `scale` (1.0: 100,000 members in 500 organs, one of them with 1,000 members, 2,000 communities
    in 40 streets of 4 districts, 2,000,000 ledger rows in the year), never smaller than a city the statistics can
    tell apart (3 organs, 4 communities, 60 members, 300 records)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    year = year or timezone.localdate().year - 1

    def scaled(full, minimum):
        return max(minimum, round(full * scale))

    members = scaled(100_000, 60)
    records = scaled(2_000_000, 300)
    return Plan(
        scale=scale,
        year=year,
        seed=seed,
        districts=DISTRICTS,
        streets=scaled(40, DISTRICTS),
        communities=scaled(2_000, 4),
        organs=scaled(500, 3),
        members=members,
        big_organ_members=min(scaled(1_000, 10), members // 4),
        records=records,
        previous_year_records=round(records * PREVIOUS_YEAR_SHARE),
    )


# --- writing rows in bulk ---------------------------------------------------------------------------------------


class BulkWriter:
    """Writes tuples of field values into a model's table: COPY on PostgreSQL, batched INSERTs elsewhere."""

    def __init__(self, say=None):
        self.counts = Counter()
        self.say = say or (lambda message: None)

    def write(self, model, fields, rows):
        meta = model._meta
        field_objects = [meta.get_field(name) for name in fields]
        missing = [
            f.name
            for f in meta.concrete_fields
            if not f.null and f.name not in fields and f.db_default is NOT_PROVIDED and not f.primary_key
        ]
        if missing:
            raise ValueError(f"{meta.label}: no value for the NOT NULL columns {missing}")
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        columns = ", ".join(quote(f.column) for f in field_objects)
        written = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        written += 1
            else:
                sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
                batch = []
                for row in rows:
                    batch.append([f.get_db_prep_save(v, connection) for f, v in zip(field_objects, row, strict=True)])
                    if len(batch) == 2000:
                        cursor.executemany(sql, batch)
                        written, batch = written + len(batch), []
                if batch:
                    cursor.executemany(sql, batch)
                    written += len(batch)
        self.counts[meta.label] += written
        self.say(f"{meta.db_table}: {written:,} rows")
        return written


def _next_id(model):
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _largest_remainder(weights, total):
    """Integers proportional to `weights` that add up to exactly `total`."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    quotas = [w * total / whole for w in weights]
    counts = [int(q) for q in quotas]
    short = total - sum(counts)
    for i in sorted(range(len(weights)), key=lambda i: quotas[i] - counts[i], reverse=True)[:short]:
        counts[i] += 1
    return counts


# --- the city ---------------------------------------------------------------------------------------------------


class _City:
    """Builds and writes the city of one plan; keeps the ids that later tables point to."""

    def __init__(self, plan, say):
        self.plan = plan
        self.say = say
        self.rng = random.Random(plan.seed)
        self.tz = timezone.get_default_timezone()
        self.now = timezone.now()
        self.writer = BulkWriter(say)
        self.ids = {
            model: _next_id(model)
            for model in (
                District,
                Street,
                Community,
                Grid,
                User,
                RoleAssignment,
                Organ,
                PartyOrg,
                Member,
                MemberAffiliation,
                Registration,
                Pairing,
                Activity,
                SignUp,
                Wish,
                WishClaim,
                ServiceRecord,
            )
        }

    def take_ids(self, model, n):
        first = self.ids[model]
        self.ids[model] = first + n
        return range(first, first + n)

    def at(self, day, minutes):
        return datetime.combine(day, time.min, tzinfo=self.tz) + timedelta(minutes=minutes)

    def random_day(self, year):
        first = date(year, 1, 1)
        return first + timedelta(days=self.rng.randrange((date(year + 1, 1, 1) - first).days))

    def name(self):
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    # --- places and community staff ---

    def places(self):
        plan, rng, now = self.plan, self.rng, self.now
        self.district_ids = list(self.take_ids(District, plan.districts))
        self.street_ids = list(self.take_ids(Street, plan.streets))
        self.community_ids = list(self.take_ids(Community, plan.communities))
        self.community_names = [f"基准社区{k + 1:04d}" for k in range(plan.communities)]
        self.community_points = [
            (CITY_LAT + rng.uniform(-0.15, 0.15), CITY_LNG + rng.uniform(-0.15, 0.15)) for _ in self.community_ids
        ]
        grid_ids = self.take_ids(Grid, plan.communities * GRIDS_PER_COMMUNITY)
        self.grids = [
            list(grid_ids[k * GRIDS_PER_COMMUNITY : (k + 1) * GRIDS_PER_COMMUNITY]) for k in range(plan.communities)
        ]
        place = ("name", "code", "latitude", "longitude", "created_at", "updated_at")
        self.writer.write(
            District,
            ("id", *place),
            (
                (pk, f"基准区{k + 1}", f"BENCH-D{k + 1}", CITY_LAT, CITY_LNG, now, now)
                for k, pk in enumerate(self.district_ids)
            ),
        )
        self.writer.write(
            Street,
            ("id", "district", *place),
            (
                (pk, self.district_ids[k % plan.districts], f"基准街道{k + 1:02d}", f"BENCH-S{k + 1:03d}")
                + (CITY_LAT, CITY_LNG, now, now)
                for k, pk in enumerate(self.street_ids)
            ),
        )
        self.writer.write(
            Community,
            ("id", "street", *place, "address", "contact_phone", "kind"),
            (
                (pk, self.street_ids[k % plan.streets], self.community_names[k], f"BENCH-C{k + 1:05d}")
                + (*self.community_points[k], now, now, f"{self.community_names[k]}居委会", "")
                + (CommunityKind.RESIDENTIAL,)
                for k, pk in enumerate(self.community_ids)
            ),
        )
        self.writer.write(
            Grid,
            ("id", "community", *place),
            (
                (pk, self.community_ids[k], f"{self.community_names[k]}第{j + 1}网格", f"BENCH-G{k + 1:05d}-{j + 1}")
                + (*self.community_points[k], now, now)
                for k in range(plan.communities)
                for j, pk in enumerate(self.grids[k])
            ),
        )
        # One staff member per community: who publishes, records and approves there.
        self.staff_ids = list(self.take_ids(User, plan.communities))
        self._users((pk, f"171{k:08d}", f"社区工作人员{k + 1}") for k, pk in enumerate(self.staff_ids))
        role_ids = self.take_ids(RoleAssignment, plan.communities)
        self.writer.write(
            RoleAssignment,
            ("id", "user", "role", "community", "created_at", "updated_at"),
            (
                (pk, self.staff_ids[k], Role.COMMUNITY_STAFF, self.community_ids[k], now, now)
                for k, pk in enumerate(role_ids)
            ),
        )

    def _users(self, rows):
        now = self.now
        self.writer.write(
            User,
            ("id", "password", "is_superuser", "phone", "name", "email", "is_active", "is_staff", "date_joined"),
            ((pk, "!bench", False, phone, name, "", True, False, now) for pk, phone, name in rows),
        )

    # --- organs and their Party trees ---

    def organs(self):
        plan, rng, now = self.plan, self.rng, self.now
        self.organ_ids = list(self.take_ids(Organ, plan.organs))
        self.big_organ_id = self.organ_ids[0]
        categories = ("congress", "government", "government", "government", "institution", "other")
        self.writer.write(
            Organ,
            ("id", "name", "code", "short_name", "category", "address", "contact_phone", "created_at", "updated_at"),
            (
                (
                    pk,
                    BIG_ORGAN_NAME if k == 0 else f"基准机关{k + 1:03d}",
                    f"BENCH-{k + 1:03d}",
                    "",
                    categories[k % len(categories)],
                    "",
                    "",
                    now,
                    now,
                )
                for k, pk in enumerate(self.organ_ids)
            ),
        )
        rows = []
        self.branches = {}  # organ id -> its branch ids

        def party_org(organ_id, parent, kind, name):
            pk = self.take_ids(PartyOrg, 1)[0]
            path = f"{parent[1] if parent else '/'}{pk}/"
            rows.append((pk, organ_id, parent[0] if parent else None, kind, name, "", path, now, now))
            return pk, path

        for k, organ_id in enumerate(self.organ_ids):
            committee = party_org(organ_id, None, PartyOrgKind.COMMITTEE, f"基准机关{k + 1:03d}机关党委")
            generals = [
                party_org(organ_id, committee, PartyOrgKind.GENERAL_BRANCH, f"第{j + 1}党总支")
                for j in range(rng.randint(1, 3))
            ]
            n_branches = 12 if organ_id == self.big_organ_id else rng.randint(4, 6)
            # Every general branch gets a branch; the others sit under the committee or a general branch.
            parents = generals + [rng.choice([committee, *generals]) for _ in range(n_branches - len(generals))]
            self.branches[organ_id] = [
                party_org(organ_id, parent, PartyOrgKind.BRANCH, f"第{j + 1}党支部")[0]
                for j, parent in enumerate(parents)
            ]
        self.writer.write(
            PartyOrg, ("id", "organ", "parent", "kind", "name", "code", "path", "created_at", "updated_at"), rows
        )

    # --- members, their registrations and the organs' pairings ---

    def members(self):
        plan, rng, now = self.plan, self.rng, self.now
        others = [rng.lognormvariate(0, 0.35) for _ in self.organ_ids[1:]]
        sizes = [plan.big_organ_members, *_largest_remainder(others, plan.members - plan.big_organ_members)]
        self.organ_sizes = dict(zip(self.organ_ids, sizes, strict=True))
        member_ids = list(self.take_ids(Member, plan.members))
        user_ids = list(self.take_ids(User, plan.members))
        self.member_ids, self.member_user = member_ids, user_ids
        self.member_organ, self.member_branch = [], []
        for organ_id, size in zip(self.organ_ids, sizes, strict=True):
            branches = self.branches[organ_id]
            weights = [rng.uniform(0.5, 1.5) for _ in branches]
            self.member_organ += [organ_id] * size
            self.member_branch += rng.choices(branches, weights=weights, k=size)
        # Some communities are denser than others.
        density = [rng.lognormvariate(0, 0.5) for _ in self.community_ids]
        self.home = rng.choices(range(plan.communities), weights=density, k=plan.members)  # community index
        self.home_grid = [rng.choice(self.grids[c]) for c in self.home]
        self.registered = [rng.random() < REGISTERED_SHARE for _ in member_ids]
        # Members who moved: before the benchmark year they served in another organ.
        self.previous = {}
        if plan.organs > 1:
            for i in rng.sample(range(plan.members), round(plan.members * MOVER_SHARE)):
                organ_id = rng.choice([o for o in self.organ_ids if o != self.member_organ[i]])
                self.previous[i] = (organ_id, rng.choice(self.branches[organ_id]))

        self._users((user_ids[i], f"170{i:08d}", self.name()) for i in range(plan.members))
        self.writer.write(
            Member,
            ("id", "user", "organ", "branch", "id_number", "job_title", "home_address", "is_active")
            + ("created_at", "updated_at"),
            (
                (pk, user_ids[i], self.member_organ[i], self.member_branch[i], "", "", "", True, now, now)
                for i, pk in enumerate(member_ids)
            ),
        )
        year = plan.year

        def affiliations():
            for i, pk in enumerate(member_ids):
                if i in self.previous:
                    organ_id, branch_id = self.previous[i]
                    yield (organ_id, branch_id, pk, date(year - 3, 1, 1), date(year, 1, 1), "")
                    yield (self.member_organ[i], self.member_branch[i], pk, date(year, 1, 1), None, "工作调动")
                else:
                    yield (self.member_organ[i], self.member_branch[i], pk, date(year - 3, 1, 1), None, "")

        self.writer.write(
            MemberAffiliation,
            ("id", "organ", "branch", "member", "started_on", "ended_on", "reason", "created_at", "updated_at"),
            ((self.take_ids(MemberAffiliation, 1)[0], *row, now, now) for row in affiliations()),
        )

        def registrations():
            submitted = self.at(date(year - 1, 3, 1), 9 * 60)
            receipt = 0
            for i, pk in enumerate(member_ids):
                if self.registered[i]:
                    status = RegistrationStatus.CONFIRMED
                    receipt += 1
                    number = f"BENCH-{year - 1}-{receipt:07d}"
                    decided_by, decided_at = self.staff_ids[self.home[i]], submitted
                elif rng.random() < PENDING_REGISTRATION_SHARE / (1 - REGISTERED_SHARE):
                    status, number, decided_by, decided_at = RegistrationStatus.PENDING, None, None, None
                else:
                    continue
                c = self.home[i]
                yield (
                    (self.take_ids(Registration, 1)[0], pk, self.community_ids[c], self.home_grid[i])
                    + (f"{self.community_names[c]}{i % 97 + 1}栋{i % 31 + 1}号", *self.community_points[c], status)
                    + (submitted, decided_by, decided_at, "", None, number, now, now)
                    # A confirmed registration carries the code its printed certificate's QR code opens.
                    + (f"bench{receipt:011d}" if number else None,)
                )

        self.writer.write(
            Registration,
            ("id", "member", "community", "grid", "address", "latitude", "longitude", "status", "submitted_at")
            + ("decided_by", "decided_at", "reject_reason", "closed_at", "receipt_number", "created_at", "updated_at")
            + ("verification_code",),
            registrations(),
        )
        # Each organ pairs with one to three communities.
        self.paired = {}  # organ id -> community indexes
        self.pairing_organs = defaultdict(list)  # community index -> organ ids
        for organ_id in self.organ_ids:
            self.paired[organ_id] = rng.sample(range(plan.communities), min(plan.communities, rng.randint(1, 3)))
            for c in self.paired[organ_id]:
                self.pairing_organs[c].append(organ_id)
        self.writer.write(
            Pairing,
            ("id", "organ", "party_org", "community", "starts_on", "ends_on", "projects", "created_by")
            + ("created_at", "updated_at"),
            (
                (self.take_ids(Pairing, 1)[0], organ_id, None, self.community_ids[c], date(year - 1, 1, 1), None)
                + ("", None, now, now)
                for organ_id in self.organ_ids
                for c in self.paired[organ_id]
            ),
        )

    # --- the ledger and its sources ---

    def services(self, year, rows):
        """Plan `rows` ledger rows starting in `year`: a list of services (originals) and the amendments' count."""
        plan, rng = self.plan, self.rng
        amendments = round(rows * AMENDMENT_SHARE)
        originals = rows - amendments
        weights = [
            0.0
            if rng.random() < ZERO_SERVICE_SHARE[self.registered[i]]
            else rng.lognormvariate(0, 0.6) * (1.0 if self.registered[i] else 0.35)
            for i in range(plan.members)
        ]
        counts = _largest_remainder(weights, originals)
        sources = [s for s, _ in SOURCE_SHARES]
        source_weights = [w for _, w in SOURCE_SHARES]
        services = []
        for i, n in enumerate(counts):
            if not n:
                continue
            organ_id, branch_id = self.member_organ[i], self.member_branch[i]
            if year < plan.year and i in self.previous:
                organ_id, branch_id = self.previous[i]
            paired = self.paired[organ_id]
            for source in rng.choices(sources, weights=source_weights, k=n):
                draw = rng.random()
                if self.registered[i]:
                    c = self.home[i] if draw < 0.90 else rng.choice(paired) if draw < 0.98 else None
                else:
                    c = rng.choice(paired) if draw < 0.70 else None
                if c is None:
                    c = rng.randrange(plan.communities)
                # [member index, organ, branch, community index, grid, source, source id, start, minutes, residents]
                services.append([i, organ_id, branch_id, c, None, source, None, None, 0, 0])
        return services, amendments

    def ledger(self):
        plan, rng = self.plan, self.rng
        self.say("planning the ledger")
        years = [(plan.year - 1, plan.previous_year_records), (plan.year, plan.records)]
        services, amendment_counts = [], []
        for year, rows in years:
            planned, amendments = self.services(year, rows)
            for service in planned:
                service.append(year)
            services += planned
            amendment_counts.append((year, amendments))
        self.say(f"planned {len(services):,} services")
        by_place = defaultdict(list)  # (year, community index, source) -> service indexes
        for index, service in enumerate(services):
            by_place[(service[10], service[3], service[5])].append(index)
        record_ids = self.take_ids(ServiceRecord, len(services))
        self.activities_and_signups(services, by_place, record_ids)
        self.wishes_and_claims(services, by_place)
        for key, indexes in by_place.items():
            if key[2] != ServiceSource.MANUAL:
                continue
            for index in indexes:
                service = services[index]
                c, draw = service[3], rng.random()
                if draw < 0.1:  # recorded without a grid
                    service[4] = None
                elif c == self.home[service[0]] and draw < 0.6:
                    service[4] = self.home_grid[service[0]]
                else:
                    service[4] = rng.choice(self.grids[c])
                minutes = rng.choice((30, 60, 60, 90, 120, 180))
                service[7] = self.at(self.random_day(service[10]), rng.randrange(8 * 60, 19 * 60, 15))
                service[8], service[9] = minutes, rng.randint(0, 10)
        # Statuses: per year, a share pending or rejected; the amendments correct approved services.
        statuses = [RecordStatus.APPROVED] * len(services)
        amended = []
        for year, amendments in amendment_counts:
            indexes = [k for k, service in enumerate(services) if service[10] == year]
            rng.shuffle(indexes)
            pending, rejected = round(len(indexes) * PENDING_SHARE), round(len(indexes) * REJECTED_SHARE)
            for k in indexes[:pending]:
                statuses[k] = RecordStatus.PENDING
            for k in indexes[pending : pending + rejected]:
                statuses[k] = RecordStatus.REJECTED
            amended += indexes[pending + rejected : pending + rejected + amendments]
        self.say("writing the ledger")
        self.write_ledger(services, statuses, record_ids, sorted(amended))
        self.write_signups(services, statuses, record_ids)

    def activities_and_signups(self, services, by_place, record_ids):
        """Group the activity services of each community and year into activities of 5 to 40 members, no member
        twice in one activity; each service becomes a confirmed, attended sign-up."""
        rng, now = self.rng, self.now
        categories = ActivityCategory.values
        activities = []
        self.signup_of = {}  # service index -> (sign-up id, activity id, attendance)
        self.category_of = {}  # service index -> its activity's or wish's category
        for (year, c, source), indexes in by_place.items():
            if source != ServiceSource.ACTIVITY:
                continue
            rng.shuffle(indexes)
            groups = []  # [members, services, size]
            for index in indexes:
                member = services[index][0]
                for group in groups[-4:]:
                    if member not in group[0] and len(group[1]) < group[2]:
                        break
                else:
                    group = [set(), [], rng.randint(5, 40)]
                    groups.append(group)
                group[0].add(member)
                group[1].append(index)
            organs = self.pairing_organs.get(c, [])
            for _members, members_services, _size in groups:
                pk = self.take_ids(Activity, 1)[0]
                start = self.at(self.random_day(year), rng.randrange(8 * 60, 19 * 60, 30))
                duration = rng.choice((60, 90, 120, 120, 150, 180, 240))
                grid = rng.choice(self.grids[c]) if rng.random() < 0.7 else None
                organizer = None
                if organs and rng.random() < 0.4:
                    organizer = rng.choice(self.branches[rng.choice(organs)])
                category = rng.choice(categories)
                residents = rng.randint(0, 60)
                activities.append(
                    (pk, self.community_ids[c], grid, None, organizer, self.staff_ids[c], f"{category}·{pk}", "")
                    + (category, f"{self.community_names[c]}广场", *self.community_points[c], start)
                    + (start + timedelta(minutes=duration), start - timedelta(hours=2), max(30, len(members_services)))
                    + (len(members_services), "paired", ActivityStatus.FINISHED, residents, "bench", "", now, now)
                )
                for index in members_services:
                    late = rng.choice((10, 15, 20, 30)) if rng.random() < 0.1 else 0
                    service = services[index]
                    service[4], service[7] = grid, start
                    # The activity's residents are on the activity: its members' records carry none.
                    service[8], service[9] = duration - late, 0
                    signup_id = self.take_ids(SignUp, 1)[0]
                    service[6] = signup_id
                    self.signup_of[index] = (signup_id, pk, late)
                    self.category_of[index] = category
        self.say(f"writing {len(activities):,} activities")
        self.writer.write(
            Activity,
            ("id", "community", "grid", "series", "organizer_party_org", "created_by", "title", "description")
            + ("category", "address", "latitude", "longitude", "starts_at", "ends_at", "signup_deadline", "capacity")
            + ("confirmed_count", "audience", "status", "residents_served", "checkin_secret", "closed_reason")
            + ("created_at", "updated_at"),
            activities,
        )

    def wishes_and_claims(self, services, by_place):
        """A confirmed wish with a completed claim behind every wish service, and a few wishes claimed but not yet
        fulfilled."""
        rng, now = self.rng, self.now
        wishes, claims = [], []
        wish_fields = (
            "id",
            "community",
            "grid",
            "title",
            "story",
            "category",
            "form",
            "beneficiary",
            "residents_count",
            "estimated_value",
            "resident_name",
            "resident_phone",
            "resident_address",
            "deadline",
            "photo",
            "status",
            "created_by",
            "verified_by",
            "published_at",
            "fulfilled_at",
            "fulfil_note",
            "fulfil_photo",
            "confirmed_at",
            "confirmed_by",
            "rating",
            "rating_comment",
            "closed_reason",
            "created_at",
            "updated_at",
        )
        categories = ("study", "elderly", "disability", "daily", "other")

        wish_category = {}

        def wish(c, grid, status, published, fulfilled, residents):
            pk = self.take_ids(Wish, 1)[0]
            staff = self.staff_ids[c]
            confirmed = fulfilled + timedelta(days=1) if fulfilled else None
            group = residents > 1
            title = rng.choice(WISH_TITLES)
            wish_category[pk] = rng.choice(categories)
            wishes.append(
                (pk, self.community_ids[c], grid, title, "", wish_category[pk])
                + ("material", "group" if group else "individual", residents, Decimal(rng.randrange(20, 300)))
                + (self.name()[0] + "**", "", "", published + timedelta(days=30), "", status, staff, staff)
                + (published, fulfilled, "", "", confirmed, staff if confirmed else None, None, "", "", now, now)
            )
            return pk

        def claim(wish_id, member, claimed, status):
            claims.append(
                (self.take_ids(WishClaim, 1)[0], wish_id, self.member_ids[member], None, self.member_user[member])
                + (claimed, claimed + timedelta(days=14), status, None, "", now, now)
            )

        for (year, c, source), indexes in by_place.items():
            if source != ServiceSource.WISH:
                continue
            for index in indexes:
                service = services[index]
                member = service[0]
                grid = self.home_grid[member] if self.home[member] == c else rng.choice(self.grids[c])
                start = self.at(self.random_day(year), rng.randrange(8 * 60, 18 * 60, 15))
                residents = 1 if rng.random() < 0.85 else rng.randint(3, 15)
                claimed = start - timedelta(days=rng.randint(1, 10))
                published = claimed - timedelta(days=rng.randint(1, 10))
                wish_id = wish(c, grid, WishStatus.CONFIRMED, published, start + timedelta(minutes=60), residents)
                claim(wish_id, member, claimed, ClaimStatus.COMPLETED)
                self.category_of[index] = wish_category[wish_id]
                service[4], service[6], service[7], service[8], service[9] = grid, wish_id, start, 60, residents
        plan = self.plan
        for _ in range(round(len(wishes) * OPEN_CLAIM_SHARE)):
            member = rng.randrange(plan.members)
            c = self.home[member]
            claimed = self.at(self.random_day(plan.year), rng.randrange(8 * 60, 18 * 60, 15))
            wish_id = wish(c, self.home_grid[member], WishStatus.CLAIMED, claimed - timedelta(days=3), None, 1)
            claim(wish_id, member, claimed, ClaimStatus.ACTIVE)
        self.say(f"writing {len(wishes):,} wishes")
        self.writer.write(Wish, wish_fields, wishes)
        self.writer.write(
            WishClaim,
            ("id", "wish", "member", "branch", "claimed_by", "claimed_at", "claim_deadline", "status", "released_at")
            + ("release_reason", "created_at", "updated_at"),
            claims,
        )

    def write_ledger(self, services, statuses, record_ids, amended):
        rng = self.rng
        fields = (
            "id",
            "member",
            "organ",
            "branch",
            "community",
            "grid",
            "source",
            "source_id",
            "category",
            "content",
            "started_at",
            "ended_at",
            "credited_minutes",
            "residents_served",
            "status",
            "recorded_by",
            "decided_by",
            "decided_at",
            "decision_reason",
            "amends",
            "created_at",
            "updated_at",
        )
        contents = {ServiceSource.ACTIVITY: "志愿服务活动", ServiceSource.WISH: "认领微心愿"}

        def category(k):
            return self.category_of.get(k) or MANUAL_CATEGORIES[k % len(MANUAL_CATEGORIES)]

        def originals():
            for k, service in enumerate(services):
                i, organ_id, branch_id, c, grid, source, source_id, start, minutes, residents, _year = service
                end = start + timedelta(minutes=minutes)
                status = statuses[k]
                staff = self.staff_ids[c]
                decided = status != RecordStatus.PENDING
                yield (
                    (record_ids[k], self.member_ids[i], organ_id, branch_id, self.community_ids[c], grid, source)
                    + (source_id, category(k), contents.get(source) or rng.choice(MANUAL_CONTENT), start, end)
                    + (minutes, residents)
                    + (status, staff, staff if decided else None, end + timedelta(days=1) if decided else None)
                    + ("" if status != RecordStatus.REJECTED else "时长不实", None, end, end)
                )

        def amendments():
            ids = self.take_ids(ServiceRecord, len(amended))
            for pk, k in zip(ids, amended, strict=True):
                i, organ_id, branch_id, c, grid, source, source_id, start, minutes, residents, _year = services[k]
                end = start + timedelta(minutes=minutes)
                delta = max(-minutes, rng.choice((-30, -15, 15, 30, 60)))
                residents_delta = max(-residents, rng.choice((0, 0, 1, -1)))
                if source == ServiceSource.ACTIVITY:  # the ledger refuses residents on an activity's record
                    residents_delta = 0
                approved = rng.random() < 0.9
                status = RecordStatus.APPROVED if approved else RecordStatus.PENDING
                staff = self.staff_ids[c]
                decided_at = end + timedelta(days=3) if approved else None
                yield (
                    (pk, self.member_ids[i], organ_id, branch_id, self.community_ids[c], grid, source, source_id)
                    + (
                        category(k),
                        "时长更正",
                        start,
                        end,
                        delta,
                        residents_delta,
                        status,
                        staff,
                        staff if approved else None,
                    )
                    + (decided_at, "补录签退时间", record_ids[k], end + timedelta(days=2), end + timedelta(days=2))
                )

        self.writer.write(ServiceRecord, fields, originals())
        self.writer.write(ServiceRecord, fields, amendments())

    def write_signups(self, services, statuses, record_ids):
        hours = {
            RecordStatus.APPROVED: "approved",
            RecordStatus.PENDING: "pending",
            RecordStatus.REJECTED: "rejected",
        }

        def rows():
            for k, (signup_id, activity_id, late) in self.signup_of.items():
                service = services[k]
                start, minutes = service[7], service[8]
                end = start + timedelta(minutes=minutes + late)
                yield (
                    (signup_id, activity_id, self.member_ids[service[0]], "confirmed", start - timedelta(days=2))
                    + (None, None, start, end, start + timedelta(minutes=late), end, "code", None, None, None, None)
                    + (False, "late" if late else "present", False, minutes, hours[statuses[k]], "", None, "")
                    + (record_ids[k], start, end)
                )

        self.writer.write(
            SignUp,
            ("id", "activity", "member", "status", "signed_up_at", "promoted_at", "cancelled_at", "starts_at")
            + ("ends_at", "checked_in_at", "checked_out_at", "checkin_method", "checkin_latitude")
            + ("checkin_longitude", "checkin_accuracy_m", "checkin_distance_m", "checkout_missing", "attendance")
            + ("no_show", "credited_minutes", "hours_status", "dispute_reason", "disputed_at", "decision_reason")
            + ("record", "created_at", "updated_at"),
            rows(),
        )

    def reset_sequences(self):
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.ids)):
                cursor.execute(sql)


def generate(plan, *, progress=None):
    """Write the city of `plan` into the default database (one transaction) and return the rows written per model
    label. The database must not hold any member yet."""
    say = progress or (lambda message: None)
    if Member.objects.exists():
        raise RuntimeError("the database already holds members: generate the city into an empty database")
    city = _City(plan, say)
    with transaction.atomic(), _keys_and_indexes_after_load(list(city.ids), say):
        say("places")
        city.places()
        say("organs")
        city.organs()
        say("members")
        city.members()
        city.ledger()
        city.reset_sequences()
    return dict(city.writer.counts)


@contextmanager
def _keys_and_indexes_after_load(models, say):
    """On PostgreSQL, drop the foreign keys and the plain indexes of the tables about to be filled and put them back
    after the load, as pg_restore does: one set-based check per key and one sort per index instead of a check and
    an index insertion per row (row by row, the 2,000,000 records' eight keys alone take a quarter of an hour). The
    keys come back validated, so the city's references are proven all the same. Other databases: nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        # Indexes backing a primary key or a unique constraint stay; partial unique indexes are plain indexes.
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid::regclass::text = ANY(%s) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')"
            ") ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        say(f"rebuilding {len(indexes)} indexes")
        for _name, definition in indexes:
            cursor.execute(definition)
        say(f"validating {len(foreign_keys)} foreign keys")
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def analyze():
    """Refresh the planner's statistics after a bulk load, and the visibility map where it can (VACUUM cannot run
    inside a transaction): what autovacuum does on a live database. PostgreSQL only; SQLite needs nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


def city_facts(year):
    """What the database holds, for the report and for `--reuse`: counts of the tables the statistics read."""
    records = ServiceRecord.objects.order_by()
    in_year = records.filter(started_at__year=year)
    return {
        "districts": District.objects.count(),
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "grids": Grid.objects.count(),
        "organs": Organ.objects.count(),
        "party_orgs": PartyOrg.objects.count(),
        "branches": PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH).count(),
        "members": Member.objects.count(),
        "registered_members": Registration.objects.filter(status=RegistrationStatus.CONFIRMED).count(),
        "largest_organ_members": max(
            (row["n"] for row in Member.objects.order_by().values("organ_id").annotate(n=Count("pk"))), default=0
        ),
        "export_organ_members": Member.objects.filter(organ__name=BIG_ORGAN_NAME).count(),
        "activities": Activity.objects.count(),
        "signups": SignUp.objects.count(),
        "wishes": Wish.objects.count(),
        "wish_claims": WishClaim.objects.count(),
        "records_in_year": in_year.count(),
        "approved_in_year": in_year.filter(status=RecordStatus.APPROVED).count(),
        "pending_in_year": in_year.filter(status=RecordStatus.PENDING).count(),
        "amendments_in_year": in_year.filter(amends__isnull=False).count(),
        "records_total": records.count(),
        "member_day_totals": MemberDayTotal.objects.count(),
        "organ_day_totals": OrganDayTotal.objects.count(),
        "community_day_totals": CommunityDayTotal.objects.count(),
    }
