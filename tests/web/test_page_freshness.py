"""What the member pages keep between requests ({% memo %} fragments, the scope's counts) never shows a stale fact:
a claimed wish is never shown as open, a changed title or place count shows at once, the bell counts a new notice."""

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from apps.activities import services as activity_services
from apps.notifications.models import NotificationKind
from apps.notifications.services import notify
from apps.web.templatetags.memo import memo_clear
from apps.wishes import services as wish_services
from apps.wishes.models import WishStatus
from tests.web.test_member_pages import MemberWorld, browser_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def mw(world):
    return MemberWorld(world)


def home(client, query=""):
    response = client.get(reverse("member:home") + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_wish_claimed_by_someone_else_is_gone_from_the_home_at_once(mw):
    wish = mw.wish(title="帮独居老人买菜")
    member, teammate = browser_for(mw.member.user), browser_for(mw.teammate.user)
    assert "帮独居老人买菜" in home(member) and "帮独居老人买菜" in home(teammate)  # both rows rendered and kept
    wish_services.wish_claim(wish=wish, actor=mw.teammate.user)
    assert "帮独居老人买菜" not in home(member)
    assert member.get(reverse("member:wish", args=[wish.pk])).status_code == 404
    # The claimant, asking for those they claimed too, sees it with its new status, not the kept "open" row.
    page = home(teammate, "?status=all")
    row = page[page.index("帮独居老人买菜") :].split("</li>")[0]
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED and wish.get_status_display() in row
    assert "badge-ok" not in row


def places_left(n):
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("%(n)s places left") % {"n": n}


def test_a_changed_title_and_a_taken_place_show_at_once(mw):
    wish = mw.wish(title="旧标题")
    activity = mw.activity(title="社区清扫", capacity=3)
    member = browser_for(mw.member.user)
    page = home(member)
    assert "旧标题" in page and places_left(3) in page[page.index("社区清扫") :].split("</li>")[0]
    type(wish).objects.filter(pk=wish.pk).update(title="新标题")
    activity_services.signup_create(activity=activity, member=mw.teammate)
    page = home(member)
    assert "新标题" in page and "旧标题" not in page
    row = page[page.index("社区清扫") :].split("</li>")[0]
    assert places_left(2) in row and places_left(3) not in row


def test_the_bell_counts_a_new_notice_on_the_next_page(mw):
    member = browser_for(mw.member.user)
    assert 'class="count"' not in home(member)
    notify(user=mw.member.user, kind=NotificationKind.WISH_CLAIMED, title="通知一则", email=False)
    page = home(member)
    assert '<span class="count" aria-hidden="true">1</span>' in page


def render(source, **values):
    return Template("{% load memo %}" + source).render(Context(values))


def test_memo_keys_on_the_values_and_on_the_fragments_own_source():
    memo_clear()
    assert render("{% memo a %}[{{ a }}]{% endmemo %}", a=1) == "[1]"
    assert render("{% memo a %}[{{ a }}]{% endmemo %}", a=2) == "[2]"
    # Another fragment with the same key names (a template made from a string, no file): its own HTML.
    assert render("{% memo a %}<{{ a }}>{% endmemo %}", a=1) == "<1>"
    # What the key leaves out is kept: the rule of the tag (name every value the fragment shows).
    assert render("{% memo a %}[{{ a }}{{ b }}]{% endmemo %}", a=1, b="x") == "[1x]"
    assert render("{% memo a %}[{{ a }}{{ b }}]{% endmemo %}", a=1, b="y") == "[1x]"


def test_memo_keeps_nothing_with_debug_on(settings):
    memo_clear()
    settings.DEBUG = True
    assert render("{% memo a %}[{{ a }}{{ b }}]{% endmemo %}", a=1, b="x") == "[1x]"
    assert render("{% memo a %}[{{ a }}{{ b }}]{% endmemo %}", a=1, b="y") == "[1y]"


def test_memo_refuses_a_fragment_without_values():
    with pytest.raises(TemplateSyntaxError):
        render("{% memo %}x{% endmemo %}")


def test_memo_keeps_a_form_but_never_its_csrf_token():
    memo_clear()
    form = "{% memo a %}<form>{{ a }}{% csrf_token %}<i>{{ csrf_token }}</i></form>{% endmemo %}"
    first, second = render(form, a=1, csrf_token="tokenone"), render(form, a=1, csrf_token="tokentwo")
    assert first == '<form>1<input type="hidden" name="csrfmiddlewaretoken" value="tokenone"><i>tokenone</i></form>'
    assert second == first.replace("tokenone", "tokentwo")
    # Without a request's token, as the template renders without {% memo %}: no token field.
    assert render(form, a=1) == "<form>1<i></i></form>"
    assert render(form, a=1, csrf_token="NOTPROVIDED") == "<form>1<i>NOTPROVIDED</i></form>"
