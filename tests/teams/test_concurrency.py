"""Truly parallel applications over real HTTP against a live server: one member applying several times at once gets
one application and a clear 409 team_already_joined for the others; many members applying at once all get in line.

On SQLite the file-backed test database and BEGIN IMMEDIATE queue the writers; on PostgreSQL (DATABASE_URL) the
team's row lock and the partial unique index "one applied-or-active membership per team and member" decide.
"""

import pytest

from apps.teams.models import MembershipStatus, TeamMembership
from tests import factories as f
from tests.parallel import post_all
from tests.teams.conftest import make_team

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_double_apply_in_parallel_leaves_one_application(parallel_server):
    leader = f.MemberFactory()
    team = make_team(leader=leader)
    applicant = f.MemberFactory(branch=leader.branch)
    url = f"{parallel_server.url}/api/v1/teams/{team.pk}/apply/"

    results = post_all([(url, applicant.user.phone)] * 6)

    assert not [r for r in results if r[0] >= 500], results
    assert sorted(status for status, _ in results) == [201] + [409] * 5, results
    assert {body.get("code") for status, body in results if status == 409} == {"team_already_joined"}
    membership = TeamMembership.objects.get(team=team, member=applicant)
    assert membership.status == MembershipStatus.APPLIED


def test_many_members_applying_at_once_all_get_their_application(parallel_server):
    leader = f.MemberFactory()
    team = make_team(leader=leader)
    applicants = [f.MemberFactory(branch=leader.branch) for _ in range(10)]
    url = f"{parallel_server.url}/api/v1/teams/{team.pk}/apply/"

    results = post_all([(url, m.user.phone) for m in applicants])

    assert [status for status, _ in results] == [201] * 10, results
    assert TeamMembership.objects.filter(team=team, status=MembershipStatus.APPLIED).count() == 10
