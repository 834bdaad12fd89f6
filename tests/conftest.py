"""Shared fixtures: a small world (two of everything, so out-of-scope is always at hand) and a client per role."""

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from tests import factories as f


@pytest.fixture
def api():
    return APIClient()


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def make_client():
    return client_for


@pytest.fixture
def sms_outbox():
    """The text messages (phone, text) sent during the test: the test settings' SMS backend keeps them in a list."""
    from apps.accounts import sms

    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


class World:
    """Two organs, two communities (with grids), a member in each, and one user per role on side A."""

    def __init__(self):
        self.street = f.StreetFactory()
        self.other_street = f.StreetFactory()
        self.community = f.CommunityFactory(street=self.street)
        self.other_community = f.CommunityFactory(street=self.other_street)
        self.grid = f.GridFactory(community=self.community)
        self.other_grid = f.GridFactory(community=self.other_community)
        self.organ = f.OrganFactory()
        self.other_organ = f.OrganFactory()
        self.branch = f.BranchFactory(organ=self.organ)
        self.other_branch = f.BranchFactory(organ=self.other_organ)
        self.member = f.MemberFactory(branch=self.branch)
        self.other_member = f.MemberFactory(branch=self.other_branch)

        self.staff = f.UserFactory(name="社区干部")
        f.RoleFactory(user=self.staff, role=Role.COMMUNITY_STAFF, community=self.community)
        self.grid_worker = f.UserFactory(name="网格员")
        f.RoleFactory(user=self.grid_worker, role=Role.GRID_WORKER, grid=self.grid)
        self.secretary = f.UserFactory(name="支部书记")
        f.RoleFactory(user=self.secretary, role=Role.BRANCH_SECRETARY, party_org=self.branch)
        self.reviewer = f.UserFactory(name="机关党委")
        f.RoleFactory(user=self.reviewer, role=Role.ORGAN_REVIEWER, organ=self.organ)
        self.street_admin = f.UserFactory(name="街道管理员")
        f.RoleFactory(user=self.street_admin, role=Role.STREET_ADMIN, street=self.street)
        self.district_admin = f.UserFactory(name="区管理员")
        f.RoleFactory(user=self.district_admin, role=Role.DISTRICT_ADMIN, district=self.street.district)
        self.superuser = f.UserFactory(name="超级管理员", is_superuser=True, is_staff=True)
        self.outsider = f.UserFactory(name="无角色用户")

    ROLE_NAMES = (
        "member",
        "other_member",
        "staff",
        "grid_worker",
        "secretary",
        "reviewer",
        "street_admin",
        "district_admin",
        "superuser",
        "outsider",
    )

    def user(self, name):
        """The user behind a role name ("member" and "other_member" are Member profiles)."""
        obj = getattr(self, name)
        return getattr(obj, "user", obj) if name in ("member", "other_member") else obj


@pytest.fixture
def world(db):
    return World()


# Tests that gain nothing from a second database, marked `once`: scripts/test runs them in the SQLite step only.
# - the demo city: it is the embedded default's content (SQLite); a production PostgreSQL never loads it, and loading
#   it eight times takes four minutes there;
# - the web pages: they render what the services and selectors return, which the domain tests check on both;
# - the permission matrix: every route × role × object through the same scoped selectors, which the API tests run on
#   PostgreSQL too. The schema fuzzing runs on both (a database can fail where the other does not).
ONCE = (
    "tests/fixtures_demo/",
    "tests/wishes/test_demo_wishes.py",
    "tests/web/",
    "tests/teams/test_pages.py",
    "tests/security/test_permission_matrix.py",
)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need real row locks and parallel connections: skip them on other databases. Tests
    under ONCE are marked `once`."""
    from django.conf import settings

    root = Path(__file__).resolve().parent.parent
    for item in items:
        if Path(item.fspath).resolve().relative_to(root).as_posix().startswith(ONCE):
            item.add_marker(pytest.mark.once)
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (scripts/test runs it there)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def parallel_server(live_server):
    """The live server, able to take every connection at once.

    Django's development server listens with a backlog of 10: fifty simultaneous connections would overflow it and
    be reset by the kernel before reaching Django, which tests the socket, not the application (gunicorn's backlog
    is 2048). Listening again on the bound socket only raises the backlog.
    """
    live_server.thread.httpd.socket.listen(512)
    return live_server
