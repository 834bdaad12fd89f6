"""Content-Security-Policy: every page answers with the strict policy, and no template (nor a rendered page) holds
what that policy would block: inline scripts, event-handler attributes, style attributes, <style> blocks."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def policy(response):
    """The Content-Security-Policy header as {directive: {sources}}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} given twice"
        directives[name] = set(sources)
    return directives


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


# --- what a template or a page may not contain ----------------------------------------------------------------------

TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>", re.S)
EVENT_HANDLER = re.compile(r"(?:^|\s)on[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"(?:^|\s)style\s*=", re.I)
SRC_ATTRIBUTE = re.compile(r"(?:^|\s)src\s*=", re.I)
DATA_BLOCK = re.compile(r"""(?:^|\s)type\s*=\s*["']?application/(?:ld\+)?json""", re.I)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.I)


def csp_violations(html):
    """What in `html` (a template's source or a rendered page) the strict policy would block, as short notes."""
    # Template tags can hold attributes ({% if %} aria-current="page"{% endif %}); a tag's own > or quotes inside
    # {% %} or {{ }} must not cut an HTML tag short: replace each with a space.
    text = TEMPLATE_SYNTAX.sub(" ", html)
    found = []
    for match in TAG.finditer(text):
        name, attributes = match.group(1).lower(), match.group(2) or ""
        if name == "style":
            found.append("<style> block")
        if name == "script" and not SRC_ATTRIBUTE.search(attributes) and not DATA_BLOCK.search(attributes):
            found.append("inline <script>")
        if EVENT_HANDLER.search(attributes):
            found.append(f"event-handler attribute on <{name}>")
        if STYLE_ATTRIBUTE.search(attributes):
            found.append(f"style attribute on <{name}>")
        if JAVASCRIPT_URL.search(attributes):
            found.append(f"javascript: URL on <{name}>")
    return found


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<script>alert(1)</script>", ["inline <script>"]),
        ('<script defer>\nvar a = "<b>";</script>', ["inline <script>"]),
        ('<button type="button" onclick="go()">Go</button>', ["event-handler attribute on <button>"]),
        ('<body\n  onload="init()">', ["event-handler attribute on <body>"]),
        ('<img src="a.png" style="width:1px">', ["style attribute on <img>"]),
        ("<p STYLE='color:red'>x</p>", ["style attribute on <p>"]),
        ("<style>p { color: red }</style>", ["<style> block"]),
        ('<a href="javascript:void(0)">x</a>', ["javascript: URL on <a>"]),
        ('<a href="/"{% if on %} onclick="x()"{% endif %}>x</a>', ["event-handler attribute on <a>"]),
        ("<script src=\"{% static 'web/site.js' %}\" defer></script>", []),
        ('<script id="data" type="application/json">{"a": 1}</script>', []),
        ('<a href="/" data-online="1" class="stylesheet">online</a>', []),
        ('<input name="once" value="{% if a > b %}on=1{% endif %}">', []),
        ('<p>Click on="this" in text is not a tag.</p>', []),
    ],
)
def test_the_scanner_finds_what_the_policy_blocks(html, expected):
    assert csp_violations(html) == expected


def project_templates():
    """Every HTML template of the project: the apps' templates/ folders and the project's own templates/ folder."""
    base = Path(settings.BASE_DIR)
    return sorted({*base.glob("apps/**/templates/**/*.html"), *base.glob("templates/**/*.html")})


def test_no_template_has_inline_script_handler_or_style():
    templates = project_templates()
    assert len(templates) > 40  # the scan really reads the project's templates
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): found
        for path in templates
        if (found := csp_violations(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "move these into static files under apps/web/static/web/ (CSP): " + repr(offenders)


# --- the header on pages --------------------------------------------------------------------------------------------


def test_member_page_has_the_strict_policy(world):
    response = browser_for(world.member.user).get(reverse("member:home"))
    assert response.status_code == 200
    assert policy(response) == STRICT
    assert csp_violations(response.content.decode()) == []


def test_staff_pages_have_the_strict_policy(world):
    client = browser_for(world.staff)
    for url in (reverse("staff:home"), reverse("staff:wishes"), reverse("staff:activities")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response) == STRICT, url
        assert csp_violations(response.content.decode()) == [], url


def test_dashboard_with_server_drawn_charts_has_the_strict_policy(world):
    response = browser_for(world.reviewer).get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert policy(response) == STRICT
    assert csp_violations(response.content.decode()) == []


def test_login_page_has_the_strict_policy():
    response = Client().get(reverse("web:login"))
    assert response.status_code == 200
    assert policy(response) == STRICT
    assert csp_violations(response.content.decode()) == []


def test_error_pages_have_the_strict_policy(world):
    client = browser_for(world.member.user)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert policy(missing) == STRICT
    refused = client.get(reverse("staff:home"))
    assert refused.status_code == 403
    assert policy(refused) == STRICT
    assert csp_violations(missing.content.decode() + refused.content.decode()) == []


def test_admin_and_swagger_ui_keep_the_strict_policy(world):
    client = browser_for(world.superuser)
    for url in ("/admin/", "/admin/wishes/wish/", reverse("swagger-ui")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response) == STRICT, url
    page = client.get(reverse("swagger-ui")).content.decode()
    assert csp_violations(page) == []
    # Swagger UI's start-up code is its own script, served from the same address.
    start = client.get(reverse("swagger-ui") + "?script=")
    assert start.status_code == 200
    assert "SwaggerUIBundle" in start.content.decode()


def test_only_redoc_allows_inline_styles_and_nothing_more(world):
    response = browser_for(world.superuser).get(reverse("redoc"))
    assert response.status_code == 200
    looser = policy(response)
    assert looser.pop("style-src") == {"'self'", "'unsafe-inline'"}
    assert looser.pop("worker-src") == {"blob:"}
    expected = dict(STRICT)
    expected.pop("style-src")
    assert looser == expected
    assert csp_violations(response.content.decode()) == []


def test_the_api_answers_with_the_policy_too(world):
    response = browser_for(world.member.user).get("/api/v1/notifications/")
    assert response.status_code == 200
    assert policy(response) == STRICT
