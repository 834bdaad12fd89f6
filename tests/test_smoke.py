"""The world fixture builds, and scopes come out as the roles say."""

from apps.accounts.scope import scope_for


def test_world_scopes(world):
    assert scope_for(world.staff).staff_community_ids == {world.community.id}
    assert scope_for(world.grid_worker).grid_ids == {world.grid.id}
    assert scope_for(world.reviewer).organ_ids == {world.organ.id}
    assert scope_for(world.secretary).party_org_paths == (world.branch.path,)
    assert scope_for(world.member.user).member_organ_id == world.organ.id
    assert scope_for(world.outsider).is_member is False


def test_front_door_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
