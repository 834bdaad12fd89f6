"""The scope's own reads: the member's communities it reads with the roles agree with the rules' subqueries, a
scope read on another day is not used for that day, and a scope is read anew in each request."""

from datetime import timedelta

from django.db.models import Q
from django.test import Client
from django.utils import timezone

import tests.factories as f
from apps.accounts.scope import forget_scope, scope_for
from apps.activities.permissions import active_pairings
from apps.registrations.models import Registration, RegistrationStatus
from apps.wishes.models import Wish, WishCategory, WishStatus
from apps.wishes.selectors import wish_list


def _rule_communities(member, today):
    """The rules' own subqueries (apps.wishes.permissions, apps.activities.permissions), read whole."""
    homes = Registration.objects.filter(member=member, status=RegistrationStatus.CONFIRMED)
    paired = active_pairings(today).filter(organ_id=member.organ_id)
    return (
        frozenset(homes.values_list("community_id", flat=True)),
        frozenset(paired.values_list("community_id", flat=True)),
    )


def test_member_communities_match_the_rules_on_every_boundary(world):
    today = timezone.localdate()
    member = world.member
    statuses = (RegistrationStatus.REJECTED, RegistrationStatus.WITHDRAWN, RegistrationStatus.MOVED)
    statuses += (RegistrationStatus.CONFIRMED,)  # one active registration a member
    registered = {status: f.CommunityFactory() for status in statuses}
    for status, community in registered.items():
        reason = "不在本社区居住" if status == RegistrationStatus.REJECTED else ""
        f.RegistrationFactory(
            member=member, grid=f.GridFactory(community=community), status=status, reject_reason=reason
        )
    f.RegistrationFactory(member=world.other_member, community=world.other_community, grid=world.other_grid)
    day = timedelta(days=1)
    spans = {
        "from today": (today, None),
        "since yesterday": (today - day, None),
        "ended yesterday": (today - 10 * day, today - day),
        "ends today": (today - 10 * day, today),
        "starts tomorrow": (today + day, None),
        "one day, today": (today, today),
    }
    paired = {name: f.CommunityFactory() for name in spans}
    for name, (starts, ends) in spans.items():
        f.PairingFactory(organ=member.organ, community=paired[name], starts_on=starts, ends_on=ends)
    f.PairingFactory(organ=world.other_organ, community=world.community, starts_on=today - day)
    forget_scope(member.user)

    scope = scope_for(member.user)

    homes, pairs = scope.member_communities(today)
    assert (homes, pairs) == _rule_communities(member, today)
    assert homes == {registered[RegistrationStatus.CONFIRMED].pk}
    assert pairs == {paired[name].pk for name in ("from today", "since yesterday", "ends today", "one day, today")}


def test_an_inactive_member_has_no_communities(world):
    f.RegistrationFactory(member=world.member, community=world.community, grid=world.grid)
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])
    forget_scope(world.member.user)

    scope = scope_for(world.member.user)

    assert scope.member_id is None
    assert scope.member_communities(timezone.localdate()) is None
    assert (scope.home_community_ids, scope.paired_community_ids) == (frozenset(), frozenset())


def test_a_scope_is_not_used_for_another_day(world):
    """A pairing that ends today: a rule asked about tomorrow asks the database, not the ids read for today."""
    today = timezone.localdate()
    f.PairingFactory(organ=world.member.organ, community=world.community, starts_on=today, ends_on=today)
    noon = timezone.localtime().replace(hour=12)
    wish = Wish.objects.create(
        community=world.community,
        grid=world.grid,
        title="给独居老人买米",
        category=WishCategory.ELDERLY,
        resident_name="张三丰",
        deadline=noon + timedelta(days=10),
        status=WishStatus.PUBLISHED,
        published_at=noon - timedelta(days=1),
        created_by=world.staff,
    )
    user = world.member.user
    forget_scope(user)
    scope = scope_for(user)
    assert scope.member_communities(today) == (frozenset(), frozenset({world.community.pk}))
    assert scope.member_communities(today + timedelta(days=1)) is None

    assert wish in wish_list(user=user, now=noon)
    assert wish not in wish_list(user=user, now=noon + timedelta(days=1))


def test_a_scope_is_read_anew_in_each_request(world):
    """One user object across requests (a test client's force_authenticate, a thread): a pairing made between two
    requests counts in the second, without anyone forgetting the scope."""
    today = timezone.localdate()
    user = world.member.user
    forget_scope(user)
    first = scope_for(user)
    f.PairingFactory(organ=world.member.organ, community=world.community, starts_on=today)
    assert scope_for(user) is first  # within the request: read once

    Client().get("/no-such-page/")  # any request (its start is what counts)

    assert scope_for(user).member_communities(today) == (frozenset(), frozenset({world.community.pk}))
    assert scope_for(user) is not first


def test_the_member_rules_read_no_subquery_of_their_own(world):
    """The wish list's rule for a member uses the ids the scope read: the query holds no registration or pairing
    subquery (the claims' EXISTS stays)."""
    f.RegistrationFactory(member=world.member, community=world.community, grid=world.grid)
    user = world.member.user
    forget_scope(user)
    scope_for(user)

    sql = str(wish_list(user=user, prefetch_claims=False, flags=False).query)

    assert "registrations_registration" not in sql and "registrations_pairing" not in sql
    assert wish_list(user=user).filter(~Q(community=world.community)).count() == 0
