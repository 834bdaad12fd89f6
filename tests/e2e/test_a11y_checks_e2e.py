"""The accessibility checks themselves: they pass a clean page and name each kind of problem on a bad one."""

import pytest

from tests.e2e.a11y import accessibility_problems, keyboard_reaches
from tests.e2e.conftest import PHONE


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


CLEAN = """<!doctype html><html lang="zh-hans"><head><title>好页面</title></head><body>
<main><h1>标题</h1><form><label for="a">地址</label><input id="a" name="a">
<button type="submit">提交</button></form><a href="/x">链接</a>
<svg role="img"><title>图表</title><rect width="10" height="10"/></svg></main></body></html>"""

BAD = """<!doctype html><html><head><title> </title></head><body>
<main><h2>no h1</h2><input name="a"><button></button><a href="/x"></a><img src="data:,">
<svg><rect width="10" height="10"/></svg><p style="color:#bbb;background:#fff">浅灰色的字</p></main></body></html>"""


def test_a_clean_page_has_no_problems(page):
    page.set_content(CLEAN)
    assert accessibility_problems(page) == []
    assert keyboard_reaches(page, "main button")


def test_each_kind_of_problem_is_reported(page):
    page.set_content(BAD)
    problems = "\n".join(accessibility_problems(page))
    for expected in (
        "html has no lang",
        "page has no title",
        "expected one visible h1, found 0",
        "form control without a label",
        "link or button without a name",
        "image without alt",
        "svg without a title",
        "contrast",
    ):
        assert expected in problems, expected
