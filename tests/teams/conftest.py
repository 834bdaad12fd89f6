"""Fixtures of the teams tests: a team formed through the service, with members who applied and were accepted."""

import itertools

import pytest

from apps.teams import services
from apps.teams.models import TeamSpecialty

_names = itertools.count(1)


def make_team(*, organ=None, leader, party_org=None, actor=None, specialty=TeamSpecialty.MEDICAL, name=None, **extra):
    """A team of the leader's organ formed by the system (actor None) unless an actor is given."""
    return services.team_create(
        actor=actor,
        organ=organ or leader.organ,
        party_org=party_org,
        leader=leader,
        name=name or f"医疗服务队{next(_names)}",
        specialty=specialty,
        **extra,
    )


def join(team, member, *, leader=None):
    """`member` applies and the team's leader accepts: an active member."""
    services.team_apply(actor=member.user, team=team)
    return services.team_accept(actor=(leader or team.leader).user, team=team, member=member)


@pytest.fixture
def team(world):
    """Side A's team, formed by the branch, led by the world's member."""
    return make_team(leader=world.member, party_org=world.branch)


@pytest.fixture
def other_team(world):
    """Side B's team, led by the other member."""
    return make_team(leader=world.other_member, party_org=world.other_branch)
