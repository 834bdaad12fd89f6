"""Every task of street and district administrators and of organ committees on its pages, in a real browser on a desk
and at phone sizes (360 and 390 px): the rankings of a place's streets, communities and organs, the tab of its parts,
its Excel workbooks; the organ's pairings with communities, its members' registration receipts, and a member's
certificate issued from the member's page and revoked from the certificates list."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.ledger.models import Certificate, RecordStatus, ServiceCategory, ServiceSource
from apps.ledger.services import record_create
from apps.orgs.models import Organ, PartyOrg
from apps.places.models import Community, District, Street
from apps.registrations.models import Pairing, RegistrationStatus
from tests.e2e.conftest import DESKTOP, PHONE, f
from tests.stats.area_world import YEAR, Area, direct_count

PHONE_360 = {"width": 360, "height": 740}
PHONE_390 = PHONE  # the conftest's phone: 390 x 844

# The page itself never scrolls sideways (wide tables scroll inside their own box).
FITS = "document.scrollingElement.scrollWidth <= window.innerWidth"


def no_error(page):
    """The page shows figures, not a complaint about its parameters."""
    assert page.locator("[data-error-code]").count() == 0
    assert page.locator("main [role=alert]").count() == 0


def ids(page, css):
    return {int(pk) for pk in page.locator(css).evaluate_all("rows => rows.map(r => r.dataset.id)") if pk}


# --- street and district administrators -------------------------------------------------------------------------


@pytest.fixture
def area(e2e_world):
    """apps.stats' test district (tests/stats/area_world.py), with the names people read on the screenshots."""
    area = Area(e2e_world)
    District.objects.filter(pk=area.district.pk).update(name="青岚区")
    Street.objects.filter(pk=area.street_a.pk).update(name="锦溪街道")
    Community.objects.filter(pk=area.c1.pk).update(name="幸福社区")
    Organ.objects.filter(pk=area.organ_a.pk).update(name="区人大常委会办公室")
    Organ.objects.filter(pk=area.organ_b.pk).update(name="区民政局")
    return area


def dashboard(name, node, **params):
    query = "&".join(f"{key}={value}" for key, value in {"node": node, "kind": "year", "year": YEAR, **params}.items())
    return f"/dashboard/{name}?{query}" if name else f"/dashboard/?{query}"


def test_district_and_street_administrators_open_every_ranking_of_their_area(visit, area):
    world = area.world
    district = f"district:{area.district.pk}"
    admin = visit(world.district_admin, viewport=DESKTOP)
    page = admin.page

    # A district opens on its streets; the form offers its communities and the organs serving there.
    assert admin.go(dashboard("rankings/", district)).status == 200
    no_error(page)
    assert ids(page, "tr.rank-row") == {area.street_a.pk, area.street_b.pk, area.street_empty.pk}
    ranks = page.locator("tr.rank-row td.rank").all_inner_texts()
    assert ranks[0] == "1" and ranks == sorted(ranks, key=int)
    offered = page.locator("#id_of option").evaluate_all("options => options.map(o => o.value)")
    assert offered == ["streets", "communities", "organs"]

    page.select_option("#id_of", "communities")
    page.click(".dash-form button[type=submit]")
    page.wait_for_load_state()
    no_error(page)
    assert "of=communities" in page.url
    assert ids(page, "tr.rank-row") == {area.c1.pk, area.c2.pk, area.c_empty.pk, area.c3.pk}
    assert "锦溪街道" in page.locator(f"tr.rank-row[data-id='{area.c1.pk}']").inner_text()  # with its street
    admin.shot("dashboard-rankings-district-desktop")

    page.select_option("#id_of", "organs")
    page.click(".dash-form button[type=submit]")
    page.wait_for_load_state()
    no_error(page)
    # Organs with service or members registered in the district; not the one serving only elsewhere.
    assert ids(page, "tr.rank-row") == {area.organ_a.pk, area.organ_b.pk, area.organ_idle.pk}

    # A street administrator: the street's communities, then the organs serving there, at a phone's width.
    street_admin = visit(world.street_admin, viewport=PHONE_360)
    street = f"street:{area.street_a.pk}"
    assert street_admin.go(dashboard("rankings/", street)).status == 200
    no_error(street_admin.page)
    assert ids(street_admin.page, "tr.rank-row") == {area.c1.pk, area.c2.pk, area.c_empty.pk}
    assert street_admin.page.evaluate(FITS)
    street_admin.shot("dashboard-rankings-phone")
    assert street_admin.go(dashboard("rankings/", street, of="organs", metric="points")).status == 200
    no_error(street_admin.page)
    assert ids(street_admin.page, "tr.rank-row") == {area.organ_a.pk, area.organ_b.pk, area.organ_idle.pk}
    # Another district's organ ranking is not theirs to read.
    assert street_admin.go(dashboard("rankings/", f"street:{world.other_street.pk}")).status == 404


def test_the_places_tab_lists_the_parts_of_a_district_then_of_a_street(visit, area):
    world = area.world
    admin = visit(world.district_admin, viewport=DESKTOP)
    page = admin.page
    admin.go(dashboard("", f"district:{area.district.pk}"))
    page.click("nav.subnav a[href^='/dashboard/places/']")  # 街道, the district's parts
    page.wait_for_load_state()
    assert "/dashboard/places/" in page.url and f"year={YEAR}" in page.url
    no_error(page)
    streets = [area.street_a, area.street_b, area.street_empty]
    assert ids(page, "tr.place-row") == {s.pk for s in streets}
    counted = direct_count(lambda r: r.community.street_id, community__street__district=area.district)
    column = page.locator("thead th").all_inner_texts().index("参与人次")  # Person-times
    for street in streets:
        person_times = page.locator(f"tr.place-row[data-id='{street.pk}']").locator("th, td").nth(column).inner_text()
        assert int(person_times) == counted.get(street.pk, {"person_times": 0})["person_times"], street.name
    admin.shot("dashboard-places-desktop")

    # A street of the table opens its own dashboard, whose parts are its communities.
    page.click(f"tr.place-row[data-id='{area.street_a.pk}'] a")
    page.wait_for_load_state()
    page.click("nav.subnav a[href^='/dashboard/places/']")  # 社区, the street's parts
    page.wait_for_load_state()
    no_error(page)
    assert ids(page, "tr.place-row") == {area.c1.pk, area.c2.pk, area.c_empty.pk}

    # The street administrator's tab on phones: the table scrolls in its box, the page does not.
    for viewport in (PHONE_360, PHONE_390):
        phone = visit(world.street_admin, viewport=viewport)
        assert phone.go(dashboard("places/", f"street:{area.street_a.pk}")).status == 200
        no_error(phone.page)
        assert ids(phone.page, "tr.place-row") == {area.c1.pk, area.c2.pk, area.c_empty.pk}
        assert phone.page.evaluate(FITS), viewport
        if viewport == PHONE_360:
            phone.shot("dashboard-places-phone")


def _download(page, kind):
    with page.expect_download() as download_info:
        page.click(f".dash-exports a[data-export={kind}]")
    download = download_info.value
    content = open(download.path(), "rb").read()
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    assert content[:2] == b"PK"  # a zip container, as every xlsx
    return load_workbook(BytesIO(content))


def cells(workbook):
    return {str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for value in row}


def test_administrators_download_the_workbooks_of_their_place(visit, area):
    world = area.world
    admin = visit(world.district_admin, viewport=DESKTOP)
    page = admin.page
    admin.go(dashboard("", f"district:{area.district.pk}"))
    no_error(page)
    offered = page.locator(".dash-exports a").evaluate_all("links => links.map(a => a.dataset.export)")
    assert sorted(offered) == ["organs", "places"]  # not the organ committee's three
    admin.shot("dashboard-exports-district-desktop")

    places = cells(_download(page, "places"))
    assert {"锦溪街道", "东湖街道", "西岭街道"} <= places
    assert {"幸福社区", "湖滨社区"} <= places  # the communities, on the second sheet
    organs = cells(_download(page, "organs"))
    assert {"区人大常委会办公室", "区民政局", "区档案馆"} <= organs and "区气象局" not in organs

    street_admin = visit(world.street_admin, viewport=PHONE_360)
    street_admin.go(dashboard("", f"street:{area.street_a.pk}"))
    communities = cells(_download(street_admin.page, "places"))
    assert {"幸福社区", "桂苑社区", "安宁社区"} <= communities and "湖滨社区" not in communities


# --- organ committees -------------------------------------------------------------------------------------------


@pytest.fixture
def organ(e2e_world):
    """The reviewer's organ with two branches, members registered (one moved house), pairings, and approved service
    for the world's member this year; another organ's member registered too (never shown)."""
    world = e2e_world
    Organ.objects.filter(pk=world.organ.pk).update(name="区人大常委会办公室")
    PartyOrg.objects.filter(pk=world.branch.pk).update(name="机关第一党支部")
    Community.objects.filter(pk=world.community.pk).update(name="幸福社区")
    world.organ.refresh_from_db()
    world.second_branch = f.BranchFactory(organ=world.organ, name="机关第二党支部")
    world.member.user.name = "王建国"
    world.member.user.save(update_fields=["name"])
    world.colleague = f.MemberFactory(branch=world.second_branch, user=f.UserFactory(name="陈晓燕"))
    world.mover = f.MemberFactory(branch=world.branch, user=f.UserFactory(name="赵志刚"))
    world.receipts = {
        "member": f.RegistrationFactory(member=world.member, grid=world.grid, receipt_number="SBD-2026-000101"),
        "colleague": f.RegistrationFactory(member=world.colleague, grid=world.grid, receipt_number="SBD-2026-000102"),
        "mover": f.RegistrationFactory(
            member=world.mover,
            grid=world.grid,
            status=RegistrationStatus.MOVED,
            receipt_number="SBD-2026-000057",
            closed_at=timezone.now() - timedelta(days=10),
        ),
        "other": f.RegistrationFactory(
            member=world.other_member, grid=world.other_grid, receipt_number="SBD-2026-000103"
        ),
    }
    world.paired_community = f.CommunityFactory(street=world.street, name="桂苑社区")
    world.pairing = f.PairingFactory(
        organ=world.organ, community=world.paired_community, projects="共建“红色驿站”，每月一次政策宣讲"
    )
    start = timezone.now() - timedelta(days=20)
    for minutes, content in ((150, "社区环境卫生整治"), (120, "关爱帮扶独居老人")):
        record_create(
            member=world.member,
            community=world.community,
            grid=world.grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CARE_VISIT,
            content=content,
            started_at=start,
            ended_at=start + timedelta(minutes=minutes),
            credited_minutes=minutes,
            status=RecordStatus.APPROVED,
            decided_by=world.staff,
        )
    return world


def test_an_organ_committee_pairs_with_a_community_and_ends_a_pairing(visit, organ):
    world = organ
    today = timezone.localdate()
    reviewer = visit(world.reviewer, viewport=DESKTOP)
    page = reviewer.page
    reviewer.go("/manage/pairings/")
    assert page.locator(f"#pairing-{world.pairing.pk}[data-state=active]").is_visible()
    page.click("main a[href='/manage/pairings/new/']")
    page.wait_for_load_state()
    page.select_option("#id_party_org", str(world.branch.pk))
    page.select_option("#id_community", str(world.community.pk))
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_projects", "联合开展“邻里守望”夜间巡逻")
    reviewer.shot("manage-pairing-new-desktop")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/manage/pairings/")
    assert page.locator(".msg-success").is_visible()
    pairing = Pairing.objects.get(organ=world.organ, community=world.community)
    assert (pairing.party_org_id, pairing.starts_on, pairing.ends_on) == (world.branch.pk, today, None)
    assert page.locator(f"#pairing-{pairing.pk}").is_visible()

    # End the older pairing today.
    row = page.locator(f"#pairing-{world.pairing.pk}")
    row.locator("summary").click()
    row.locator(f"#ends-on-{world.pairing.pk}").fill(today.isoformat())
    reviewer.shot("manage-pairings-desktop")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()
    world.pairing.refresh_from_db()
    assert world.pairing.ends_on == today

    # The branch secretary reads the same list, on a phone, without the buttons.
    secretary = visit(world.secretary, viewport=PHONE_360)
    assert secretary.go("/manage/pairings/").status == 200
    assert secretary.page.locator("li[data-pairing]").count() == 2
    assert secretary.page.locator("main a[href='/manage/pairings/new/'], main details").count() == 0
    assert secretary.page.evaluate(FITS)
    secretary.shot("manage-pairings-phone")


def test_an_organ_committee_reads_and_filters_the_receipts(visit, organ):
    world = organ
    reviewer = visit(world.reviewer, viewport=DESKTOP)
    page = reviewer.page
    reviewer.go("/manage/receipts/")
    listed = set(page.locator("li[data-receipt]").evaluate_all("rows => rows.map(r => r.dataset.receipt)"))
    assert listed == {"SBD-2026-000101", "SBD-2026-000102", "SBD-2026-000057"}  # not the other organ's
    assert page.locator("li[data-receipt='SBD-2026-000057']").get_attribute("data-status") == "moved"
    reviewer.shot("manage-receipts-desktop")

    page.select_option("#id_branch", str(world.second_branch.pk))
    page.click("main form.filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("li[data-receipt]").evaluate_all("rows => rows.map(r => r.dataset.receipt)") == [
        "SBD-2026-000102"
    ]
    assert page.locator("[data-count]").get_attribute("data-count") == "1"

    secretary = visit(world.secretary, viewport=PHONE_360)
    secretary.go("/manage/receipts/")
    mine = set(secretary.page.locator("li[data-receipt]").evaluate_all("rows => rows.map(r => r.dataset.receipt)"))
    assert mine == {"SBD-2026-000101", "SBD-2026-000057"}  # their branch only
    assert secretary.page.evaluate(FITS)


def test_an_organ_committee_issues_a_members_certificate_then_revokes_it_on_a_phone(visit, organ):
    world = organ
    today = timezone.localdate()
    reviewer = visit(world.reviewer, viewport=DESKTOP)
    page = reviewer.page
    reviewer.go(f"/manage/members/{world.member.pk}/")
    form = page.locator(f"form[action='/manage/members/{world.member.pk}/certificate/']")
    form.locator("#id_period_start").fill(today.replace(month=1, day=1).isoformat())
    form.locator("#id_period_end").fill(today.isoformat())
    reviewer.shot("manage-member-desktop")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    certificate = Certificate.objects.get(member=world.member)
    assert (certificate.total_minutes, certificate.record_count) == (270, 2)
    assert certificate.issued_by_id == world.reviewer.pk
    assert "/manage/certificates/" in page.url
    assert certificate.number in page.locator(".msg-success").inner_text()
    assert page.locator(f"[data-certificate='{certificate.number}']").is_visible()

    # Revoked from the certificates list, at a phone's width.
    phone = visit(world.reviewer, viewport=PHONE_360)
    phone.go("/manage/certificates/")
    row = phone.page.locator(f"[data-certificate='{certificate.number}']")
    row.locator("summary").click()
    row.locator("textarea[name=reason]").fill("服务时长登记有误，已重新开具")
    assert phone.page.evaluate(FITS)
    phone.shot("manage-certificates-phone")
    row.locator("button[type=submit]").click()
    phone.page.wait_for_load_state()
    assert phone.page.locator(".msg-success").is_visible()
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_by_id == world.reviewer.pk
    assert certificate.revocation_reason == "服务时长登记有误，已重新开具"
    assert phone.page.locator(f"[data-certificate='{certificate.number}'] .badge-err").is_visible()
