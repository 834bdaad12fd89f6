"""The shared pages in a real browser: log in by mobile number, land on the role's pages, be refused others."""

from tests.e2e.conftest import DESKTOP


def test_a_member_logs_in_and_lands_on_their_pages_in_chinese(visit, e2e_world):
    member = visit(e2e_world.member.user)
    assert member.page.url.endswith("/m/")
    assert member.page.locator("html").get_attribute("lang") == "zh-hans"
    assert member.page.locator(".brand").inner_text() == "双报到"


def test_a_wrong_password_stays_on_the_login_page_with_an_error(visit, e2e_world):
    anonymous = visit(None)
    anonymous.go("/login/")
    anonymous.shot("login-phone")
    anonymous.page.fill("input[name=username]", e2e_world.member.user.phone)
    anonymous.page.fill("input[name=password]", "wrong-password")
    anonymous.page.click("button[type=submit]")
    errors = anonymous.page.locator(".form-errors")
    errors.wait_for(state="visible")  # the answer to the POST may come after the click returns (a busy machine)
    assert errors.is_visible()
    assert "/login/" in anonymous.page.url


def test_each_user_is_refused_pages_outside_their_role(visit, e2e_world):
    refused = {
        "member": ["/staff/", "/dashboard/"],
        "staff": ["/m/", "/dashboard/"],
        "reviewer": ["/m/", "/staff/"],
        "street_admin": ["/m/", "/staff/"],
    }
    for role, paths in refused.items():
        visitor = visit(e2e_world.user(role), viewport=DESKTOP)
        for path in paths:
            response = visitor.go(path)
            assert response.status == 403, (role, path)
            assert visitor.page.locator("h1").inner_text() == "不是您的页面"
        visitor.close()
