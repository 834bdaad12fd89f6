"""Fixtures of the wishes tests: wish and claim factories, eligible members on both sides, images to upload."""

import io
from datetime import timedelta

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.accounts.models import Role
from apps.wishes import services
from apps.wishes.models import ClaimStatus, Wish, WishCategory, WishClaim, WishStatus
from tests import factories as f

RESIDENT_NAME = "张三丰"
RESIDENT_PHONE = "13912345678"
RESIDENT_ADDRESS = "幸福小区3栋2单元101"


class WishFactory(factory.django.DjangoModelFactory):
    """A wish written directly in the given state (for setting up; the transitions are tested through services)."""

    class Meta:
        model = Wish

    grid = factory.SubFactory(f.GridFactory)
    community = factory.SelfAttribute("grid.community")
    title = factory.Sequence(lambda n: f"给独居老人买米{n}")
    story = "老人行动不便，需要一袋米和一桶油。"
    category = WishCategory.ELDERLY
    resident_name = RESIDENT_NAME
    resident_phone = RESIDENT_PHONE
    resident_address = RESIDENT_ADDRESS
    estimated_value = 120
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    status = WishStatus.PUBLISHED
    published_at = factory.LazyAttribute(lambda o: timezone.now() if o.status != WishStatus.DRAFT else None)
    created_by = factory.SubFactory(f.UserFactory)


class WishClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WishClaim

    wish = factory.SubFactory(WishFactory, status=WishStatus.CLAIMED)
    member = factory.SubFactory(f.MemberFactory)
    claimed_by = factory.LazyAttribute(lambda o: o.member.user if o.member else f.UserFactory())
    claimed_at = factory.LazyFunction(timezone.now)
    claim_deadline = factory.LazyAttribute(lambda o: o.claimed_at + timedelta(days=14))
    status = ClaimStatus.ACTIVE


class WishWorld:
    """The shared world plus what wishes need: members registered where they live, a second member in the same
    branch (a participant for group claims), staff of the other community, and a wish factory in each grid."""

    def __init__(self, world):
        self.world = world
        f.RegistrationFactory(member=world.member, grid=world.grid)
        f.RegistrationFactory(member=world.other_member, grid=world.other_grid)
        self.teammate = f.MemberFactory(branch=world.branch)
        f.RegistrationFactory(member=self.teammate, grid=world.grid)
        self.other_staff = f.UserFactory(name="别的社区干部")
        f.RoleFactory(user=self.other_staff, role=Role.COMMUNITY_STAFF, community=world.other_community)

    def __getattr__(self, name):
        return getattr(self.world, name)

    def wish(self, **kwargs):
        kwargs.setdefault("grid", self.world.grid)
        kwargs.setdefault("created_by", self.world.staff)
        return WishFactory(**kwargs)

    def claimed(self, member=None, **kwargs):
        """A published wish claimed through the service by `member` (default: the world's member)."""
        member = member or self.world.member
        wish = self.wish(**kwargs)
        services.wish_claim(wish=wish, actor=member.user)
        wish.refresh_from_db()
        return wish

    def group_claimed(self, **kwargs):
        wish = self.wish(**kwargs)
        services.wish_claim(wish=wish, actor=self.world.secretary, as_branch=self.world.branch)
        wish.refresh_from_db()
        return wish

    def team(self, *, leader=None, members=(), since=None):
        """A volunteer team of side A led by `leader` (default: the world's member) with `members` accepted, all
        in it since `since` (default: two days ago, well before any service the tests report)."""
        from apps.teams import services as team_services
        from apps.teams.models import TeamSpecialty

        since = since or timezone.now() - timedelta(days=2)
        leader = leader or self.world.member
        team = team_services.team_create(
            actor=None,
            organ=leader.organ,
            party_org=self.world.branch,
            leader=leader,
            name=f"志愿服务队{leader.pk}-{len(members)}-{since.timestamp():.0f}",
            specialty=TeamSpecialty.ELDERLY_CARE,
            now=since,
        )
        for member in members:
            team_services.team_apply(actor=member.user, team=team, now=since)
            team_services.team_accept(actor=leader.user, team=team, member=member, now=since)
        team.refresh_from_db()
        return team

    def team_claimed(self, team, **kwargs):
        """A published wish claimed through the service by `team`'s leader for the team."""
        wish = self.wish(**kwargs)
        services.wish_claim(wish=wish, actor=team.leader.user, as_team=team)
        wish.refresh_from_db()
        return wish

    def fulfilled(self, member=None, **kwargs):
        member = member or self.world.member
        wish = self.claimed(member, **kwargs)
        return services.wish_fulfil(wish=wish, actor=member.user, note="米和油已送到老人家中。")


@pytest.fixture
def w(world):
    return WishWorld(world)


def image_bytes(fmt="PNG", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(fmt="PNG", name=None, content=None, content_type="image/png"):
    data = content if content is not None else image_bytes(fmt)
    return SimpleUploadedFile(name or f"photo.{fmt.lower()}", data, content_type=content_type)


@pytest.fixture
def future():
    return timezone.now() + timedelta(days=7)
