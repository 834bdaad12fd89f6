"""Go-live from an empty database, on the pages only: the superuser creates the district and appoints its
administrator; the administrator signs in with a one-time code and imports the geography, the organs and the organ's
reviewer; the reviewer imports the roster; a member signs in with a code, sets a password and registers; the
dashboard shows the imported figures. Screenshots for docs/go-live.md."""

import io
import re

from openpyxl import Workbook

from apps.accounts.models import Role, RoleAssignment, User
from apps.orgs.models import Member, PartyOrg
from apps.places.models import Community, Grid, Street
from apps.registrations.models import Registration, RegistrationStatus
from tests.e2e.conftest import DESKTOP, PASSWORD, with_password

NEW_PASSWORD = "Qinglan@2027"


def _xlsx(path, header, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return str(path)


def _first_sign_in(visitor, phone, outbox):
    """The login page's first sign-in: ask for a code, read the text message, set a password."""
    page = visitor.page
    visitor.go("/login/")
    page.get_by_role("link", name="首次登录或忘记密码？").click()
    page.fill("input[name=phone]", phone)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_load_state()
    sent_to, text = outbox[-1]
    assert sent_to == phone
    code = re.search(r"\d{6}", text).group()
    page.fill("input[name=code]", code)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.get_by_role("button", name="设置密码并登录").click()
    page.wait_for_load_state()
    assert "密码已设置" in page.locator(".msg-success").inner_text()


def _import(visitor, kind, file_path, shot=None):
    """Upload a file on the management page, read the preview, confirm; the import is applied."""
    page = visitor.page
    visitor.go(f"/manage/imports/new/{kind}/")
    page.set_input_files("input[name=file]", file_path)
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url(re.compile(r"/manage/imports/\d+/"))
    page.wait_for_selector("#import-status:has-text('待确认导入')")
    if shot:
        visitor.shot(shot)
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_load_state()
    assert "导入完成" in page.locator(".msg-success").inner_text()
    assert page.locator("#import-status").inner_text() == "已导入"


def test_a_district_goes_live_through_the_pages(visit, transactional_db, sms_outbox, tmp_path):
    superuser = with_password(User.objects.create_superuser(phone="13800000000", name="平台管理员"))

    # The superuser creates the district and appoints its administrator (new to the platform).
    root = visit(superuser, viewport=DESKTOP)
    root.go("/manage/places/")
    root.page.fill("input[name=code]", "QL")
    root.page.fill("input[name=name]", "青岚区")
    root.page.fill("input[name=longitude]", "120.1551")
    root.page.fill("input[name=latitude]", "30.2741")
    root.page.get_by_role("button", name="新建区").click()
    root.page.wait_for_load_state()
    root.page.fill("form[action$='/places/appoint/'] input[name=name]", "戴雪兰")
    root.page.fill("form[action$='/places/appoint/'] input[name=phone]", "13800000006")
    root.page.select_option("select[name=target]", label="区管理员 · 青岚区")
    root.page.get_by_role("button", name="任命").click()
    root.page.wait_for_load_state()
    admin = User.objects.get(phone="13800000006")
    assert not admin.has_usable_password()
    assert RoleAssignment.objects.filter(user=admin, role=Role.DISTRICT_ADMIN, district__code="QL").exists()
    root.shot("golive-superuser-places-desktop")

    # The district administrator signs in with a one-time code and imports the geography, then the organs.
    district = visit(None, viewport=DESKTOP)
    _first_sign_in(district, "13800000006", sms_outbox)
    geography = _xlsx(
        tmp_path / "geography.xlsx",
        ["层级", "编码", "名称", "上级编码", "地址", "联系电话", "经度", "纬度", "坐标系"],
        [
            ["街道", "QL-JX", "锦溪街道", "QL", "", "", 120.1551, 30.2741, "WGS-84"],
            ["社区", "QL-JX-GY", "桂苑社区", "QL-JX", "桂花路8号", "0571-88880001", 120.1560, 30.2750, "WGS-84"],
            ["网格", "QL-JX-GY-01", "桂苑社区第一网格", "QL-JX-GY", "", "", 120.1562, 30.2752, "WGS-84"],
            ["网格", "QL-JX-GY-02", "桂苑社区第二网格", "QL-JX-GY", "", "", 120.1580, 30.2760, "WGS-84"],
        ],
    )
    _import(district, "geography", geography, shot="golive-import-preview-desktop")
    assert Street.objects.count() == 1 and Community.objects.count() == 1 and Grid.objects.count() == 2
    organizations = _xlsx(
        tmp_path / "organizations.xlsx",
        ["类型", "编码", "名称", "上级编码", "简称", "机关类别"],
        [
            ["机关", "RD", "青岚区人大常委会办公室", "", "区人大办", "人大常委会"],
            ["机关党委", "RD-DW", "区人大办机关党委", "RD", "", ""],
            ["党支部", "RD-ZB1", "机关第一党支部", "RD-DW", "", ""],
            ["党支部", "RD-ZB2", "机关第二党支部", "RD-DW", "", ""],
        ],
    )
    _import(district, "organizations", organizations)
    assert PartyOrg.objects.filter(organ__code="RD").count() == 3
    staff = _xlsx(
        tmp_path / "staff.xlsx",
        ["姓名", "手机号码", "角色", "所辖编码"],
        [["蔡强天", "13800000004", "机关党委", "RD"], ["任兰欣", "13800000001", "社区工作人员", "QL-JX-GY"]],
    )
    _import(district, "staff", staff)
    district.go("/manage/")
    district.shot("golive-manage-home-desktop")

    # The organ's reviewer signs in the same way and imports the roster.
    reviewer = visit(None, viewport=DESKTOP)
    _first_sign_in(reviewer, "13800000004", sms_outbox)
    roster = _xlsx(
        tmp_path / "roster.xlsx",
        ["姓名", "手机号码", "党支部编码", "机关编码", "职务", "家庭住址", "在职状态"],
        [
            ["杨欣婉", "13800000007", "RD-ZB1", "RD", "科员", "桂苑社区 桂花路16号", "在职"],
            ["汪俊凯", "138 0000 0008", "RD-ZB1", "RD", "副科长", "", ""],
            ["陆艳", "+86 13800000003", "RD-ZB2", "", "", "", "在职"],
        ],
    )
    _import(reviewer, "members", roster, shot="golive-roster-preview-desktop")
    assert Member.objects.filter(organ__code="RD", is_active=True).count() == 3
    reviewer.go("/manage/members/")
    reviewer.shot("golive-members-desktop")

    # A member signs in the first time on a phone, sets a password and registers with the community.
    member = visit(None)
    _first_sign_in(member, "13800000007", sms_outbox)
    member.go("/me/registration/")
    member.page.fill("input[name=address]", "桂苑社区 桂花路16号")
    member.page.get_by_role("button", name="查看所属社区").click()
    member.page.wait_for_load_state()
    assert member.page.locator(".preview-community").inner_text() == "桂苑社区"
    member.page.get_by_role("button", name="提交报到").click()
    member.page.wait_for_load_state()
    registration = Registration.objects.get(member__user__phone="13800000007")
    assert registration.status == RegistrationStatus.PENDING
    member.shot("golive-member-registered-phone")

    # The reviewer's dashboard counts the imported members.
    reviewer.go("/dashboard/")
    members_figure = reviewer.page.locator(".stat[data-key=members] .value").inner_text()
    assert members_figure.replace(",", "") == "3"
    reviewer.shot("golive-dashboard-desktop")
    # Everyone who set a password can sign in with it as well.
    assert User.objects.get(phone="13800000007").check_password(NEW_PASSWORD)
    assert PASSWORD != NEW_PASSWORD
