"""factory_boy factories for every model; tests build their data here, never from fixtures/."""

import secrets

import factory
from django.utils import timezone

from apps.accounts.models import Role, RoleAssignment, User
from apps.orgs import services as org_services
from apps.orgs.models import Member, Organ, PartyOrg, PartyOrgKind
from apps.places.models import Community, District, GazetteerEntry, Grid, Street
from apps.registrations.models import Pairing, Post, PostKind, Registration, RegistrationStatus

# A fictional city centre (WGS-84) that the demo and the tests share.
CITY_LAT, CITY_LNG = 30.2741, 120.1551


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"139{n:08d}")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pass-word-123")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"测试区{n}")
    code = factory.Sequence(lambda n: f"D{n:04d}")
    latitude = CITY_LAT
    longitude = CITY_LNG


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试街道{n}")
    code = factory.Sequence(lambda n: f"S{n:04d}")
    latitude = CITY_LAT
    longitude = CITY_LNG


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")
    code = factory.Sequence(lambda n: f"C{n:04d}")
    latitude = CITY_LAT
    longitude = CITY_LNG


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")
    code = factory.Sequence(lambda n: f"G{n:05d}")
    latitude = factory.SelfAttribute("community.latitude")
    longitude = factory.SelfAttribute("community.longitude")


class GazetteerEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GazetteerEntry

    name = factory.Sequence(lambda n: f"测试小区{n}")
    latitude = CITY_LAT
    longitude = CITY_LNG


class OrganFactory(factory.django.DjangoModelFactory):
    """An organ with its committee, created through the service (so the tree paths are right)."""

    class Meta:
        model = Organ

    name = factory.Sequence(lambda n: f"测试局{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return org_services.organ_create(**kwargs)


def committee_of(organ):
    return PartyOrg.objects.get(organ=organ, kind=PartyOrgKind.COMMITTEE)


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyOrg

    organ = factory.SubFactory(OrganFactory)
    name = factory.Sequence(lambda n: f"第{n}党支部")
    kind = PartyOrgKind.BRANCH
    parent = factory.LazyAttribute(lambda o: committee_of(o.organ))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return org_services.party_org_create(**kwargs)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    branch = factory.SubFactory(BranchFactory)
    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("organ", None)
        return org_services.member_create(phone=None, name=None, **kwargs)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.COMMUNITY_STAFF


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A registration written directly (for setting up state); the service is tested on its own."""

    class Meta:
        model = Registration

    member = factory.SubFactory(MemberFactory)
    grid = factory.SubFactory(GridFactory)
    community = factory.SelfAttribute("grid.community")
    address = factory.Sequence(lambda n: f"幸福路{n}号")
    latitude = factory.SelfAttribute("grid.latitude")
    longitude = factory.SelfAttribute("grid.longitude")
    status = RegistrationStatus.CONFIRMED
    submitted_at = factory.LazyFunction(timezone.now)
    decided_at = factory.LazyAttribute(lambda o: timezone.now() if o.status != RegistrationStatus.PENDING else None)
    receipt_number = factory.LazyAttribute(
        lambda o: None if o.status != RegistrationStatus.CONFIRMED else f"R{timezone.now():%Y}{o.address}"
    )
    verification_code = factory.LazyAttribute(
        lambda o: None if o.status != RegistrationStatus.CONFIRMED else secrets.token_urlsafe(12)
    )


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    community = factory.SubFactory(CommunityFactory)
    kind = PostKind.POLICY_PROMOTER
    title = factory.Sequence(lambda n: f"政策宣传员{n}")


class PairingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pairing

    organ = factory.SubFactory(OrganFactory)
    community = factory.SubFactory(CommunityFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate().replace(month=1, day=1))
