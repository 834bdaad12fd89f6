"""Spreadsheet formula injection: names and titles that start like a formula (=HYPERLINK(...), + - @, a tab) come
out of every Excel download, through the API and through the pages, as the exact text in a text cell; no cell of
any sheet of any export holds a formula. A name that reads as a number ("-1") stays that text, figures stay numbers.
"""

import dataclasses
import zipfile
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.imports.importers import importer_class
from apps.orgs.models import Member, Organ, PartyOrg
from apps.places.models import Community, Street
from tests import factories as f
from tests.activities_hours.conftest import at, make_activity, make_signup

pytestmark = pytest.mark.django_db

PAYLOADS = ('=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\t=1")
ORGAN_NAME = "=CMD|' /C calc'!A0"  # the organ of the world's members (a title, a column of the attendance sheet)
STREET_NAME = "-2"
YEAR = timezone.localdate().year


class Poisoned:
    """For each payload: a branch of the world's organ, a member of it (registered in the world's grid), an organ
    with a member registered in a new community of the world's street, all named by the payload; the world's organ
    and street named like formulas too. Names are stored below the services' trimming, as an import or the admin
    could leave them, so the tab stays."""

    def __init__(self, world):
        self.world = world
        self.members = []
        for text in PAYLOADS:
            branch = f.BranchFactory(organ=world.organ)
            member = f.MemberFactory(branch=branch, user=f.UserFactory(name=text))
            f.RegistrationFactory(member=member, grid=world.grid)
            organ = f.OrganFactory()
            community = f.CommunityFactory(street=world.street)
            outsider = f.MemberFactory(branch=f.BranchFactory(organ=organ))
            f.RegistrationFactory(member=outsider, grid=f.GridFactory(community=community))
            PartyOrg.objects.filter(pk=branch.pk).update(name=text)
            Member.objects.filter(pk=member.pk).update(job_title=text)
            Organ.objects.filter(pk=organ.pk).update(name=text)
            Community.objects.filter(pk=community.pk).update(name=text)
            self.members.append(member)
        Organ.objects.filter(pk=world.organ.pk).update(name=ORGAN_NAME)
        Street.objects.filter(pk=world.street.pk).update(name=STREET_NAME)


@pytest.fixture
def poisoned(world):
    return Poisoned(world)


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def api_for(make_client, user):
    return make_client(user)


def xlsx(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def assert_no_formula(content):
    """Neither openpyxl's reading nor the raw XML of any sheet holds a formula; returns every cell's value."""
    with zipfile.ZipFile(BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            xml = archive.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml and "<f/>" not in xml, name
    values = []
    for sheet in load_workbook(BytesIO(content)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t":
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate)
                values.append(cell.value)
    return values


def assert_exact_texts(content, texts):
    values = assert_no_formula(content)
    for text in texts:
        assert text in values, text


def api_export(client, path, **params):
    return xlsx(client.get(f"/api/v1/stats/exports/{path}/", {"year": YEAR, **params}))


def page_export(client, kind, node):
    return xlsx(client.get(reverse("dashboard:export", args=[kind]), {"node": node, "kind": "year", "year": YEAR}))


# --- the organ committee's three workbooks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind", "texts"),
    [
        ("members", "members", PAYLOADS),  # names and branches
        ("branches", "branches", PAYLOADS),  # branches
        ("unregistered-and-zero-service", "lists", PAYLOADS),  # names, branches, job titles
    ],
)
def test_organ_exports_write_formula_like_names_as_text(poisoned, world, make_client, path, kind, texts):
    organ = {"level": "organ", "id": world.organ.pk}
    by_api = api_export(make_client(world.reviewer), path, **organ)
    by_page = page_export(browser_for(world.reviewer), kind, f"organ:{world.organ.pk}")
    for content in (by_api, by_page):
        assert_exact_texts(content, texts)
        title = load_workbook(BytesIO(content)).worksheets[0]["A1"]
        assert title.value.startswith(ORGAN_NAME) and title.data_type == "s"


def test_the_member_table_keeps_a_number_like_name_as_text_and_figures_as_numbers(poisoned, world, make_client):
    content = api_export(make_client(world.reviewer), "members", level="organ", id=world.organ.pk)
    sheet = load_workbook(BytesIO(content)).worksheets[0]
    line = next(row for row in sheet.iter_rows(min_row=3) if row[1].value == "-1")
    assert line[1].data_type == "s"
    assert isinstance(line[0].value, int) and line[0].data_type == "n"  # the line number
    assert isinstance(line[4].value, int) and line[4].data_type == "n"  # times served


# --- the administrators' two workbooks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind", "texts"),
    [
        ("places", "places", (*PAYLOADS, STREET_NAME)),  # streets, then communities with their street
        ("organs-in-area", "organs", (*PAYLOADS, ORGAN_NAME)),  # the organs with members registered there
    ],
)
def test_place_exports_write_formula_like_names_as_text(poisoned, world, make_client, path, kind, texts):
    district = world.street.district
    by_api = api_export(make_client(world.district_admin), path, level="district", id=district.pk)
    by_page = page_export(browser_for(world.district_admin), kind, f"district:{district.pk}")
    for content in (by_api, by_page):
        assert_exact_texts(content, texts)


# --- the attendance sheet -----------------------------------------------------------------------------------------


def test_the_attendance_sheet_writes_formula_like_names_as_text(poisoned, world, make_client):
    activity = make_activity(
        community=world.community,
        grid=world.grid,
        created_by=world.staff,
        starts_at=at(2026, 3, 2, 9),
        ends_at=at(2026, 3, 2, 11),
    )
    for member in poisoned.members:
        make_signup(activity=activity, member=member, checked_in_at=at(2026, 3, 2, 9))
    by_api = xlsx(make_client(world.staff).get(f"/api/v1/activities/{activity.pk}/attendance.xlsx"))
    by_page = xlsx(browser_for(world.staff).get(reverse("staff:activity-attendance-xlsx", args=[activity.pk])))
    for content in (by_api, by_page):
        assert_exact_texts(content, (*PAYLOADS, ORGAN_NAME))  # names, branches, the organ


# --- the import templates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["geography", "gazetteer", "organizations", "members", "staff"])
def test_import_templates_write_headers_and_examples_as_text(world, monkeypatch, kind):
    importer = importer_class(kind)
    columns = [
        dataclasses.replace(column, example=PAYLOADS[index % len(PAYLOADS)])
        for index, column in enumerate(importer.columns)
    ]
    columns[0] = dataclasses.replace(columns[0], header="=1+1")
    monkeypatch.setattr(importer, "columns", tuple(columns))
    content = xlsx(browser_for(world.superuser).get(reverse("manage:import-template", args=[kind])))
    assert_exact_texts(content, {"=1+1*" if columns[0].required else "=1+1", *(c.example for c in columns)})
