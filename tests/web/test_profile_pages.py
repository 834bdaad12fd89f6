"""The member's own pages (/me/): standing, registration with address preview, hours, disputes, certificates, posts."""

import html
import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.activities.hours import activity_finish
from apps.activities.models import HoursStatus
from apps.ledger import services as ledger_services
from apps.ledger.certificates import NO_APPROVED_SERVICE
from apps.ledger.models import Certificate, RecordStatus, ServiceCategory, ServiceSource
from apps.ledger.points import service_points
from apps.places import errors as place_errors
from apps.places.models import Community, Grid
from apps.registrations import errors as registration_errors
from apps.registrations.models import Evaluation, EvaluationGrade, PostClaim, Registration, RegistrationStatus
from apps.stats.models import StarSubject
from apps.stats.selectors import star_level, star_thresholds
from tests import factories as f
from tests.activities_hours.conftest import make_activity, make_signup
from tests.stats.conftest import hours_half_up

pytestmark = pytest.mark.django_db

HOME_ADDRESS = "幸福小区3栋2单元101"
NEW_HOME_ADDRESS = "和平家园5栋302"
FAR_ADDRESS = "远方花园1栋"
UNKNOWN_ADDRESS = "不存在的地方"
PAGES = ["overview", "registration", "hours", "certificates", "posts"]


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def text_of(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def places(world):
    """Side B moved 11 km north; three named compounds: one in each community and one outside both."""
    lat, lng = f.CITY_LAT + 0.1, f.CITY_LNG
    Community.objects.filter(pk=world.other_community.pk).update(latitude=lat, longitude=lng)
    Grid.objects.filter(pk=world.other_grid.pk).update(latitude=lat, longitude=lng)
    world.other_community.refresh_from_db()
    world.other_grid.refresh_from_db()
    f.GazetteerEntryFactory(name="幸福小区", latitude=world.grid.latitude, longitude=world.grid.longitude)
    f.GazetteerEntryFactory(name="和平家园", latitude=lat, longitude=lng)
    f.GazetteerEntryFactory(name="远方花园", latitude=f.CITY_LAT + 1.0, longitude=f.CITY_LNG + 1.0)
    return world


def this_year_at(month, day, hour=9):
    return timezone.make_aware(datetime(timezone.localdate().year, month, day, hour))


def make_record(world, *, member=None, minutes=90, start=None, status=RecordStatus.APPROVED, source="manual", **kw):
    start = start or this_year_at(1, 10)
    return ledger_services.record_create(
        member=member or world.member,
        community=world.community,
        grid=world.grid,
        source=source,
        source_id=kw.pop("source_id", None),
        category=kw.pop("category", ServiceCategory.CLEAN_UP),
        content=kw.pop("content", "社区环境卫生整治"),
        started_at=start,
        ended_at=start + timedelta(minutes=max(minutes, 180)),
        credited_minutes=minutes,
        residents_served=4,
        status=status,
        decided_by=world.staff if status == RecordStatus.APPROVED else None,
        **kw,
    )


# --- gates ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(name):
    response = Client().get(reverse(f"profile:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize("role", ["staff", "reviewer", "district_admin", "outsider"])
@pytest.mark.parametrize("name", PAGES)
def test_users_who_are_not_members_are_refused(world, role, name):
    response = browser_for(world.user(role)).get(reverse(f"profile:{name}"))
    assert response.status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_a_member_opens_each_page(world, name):
    response = browser_for(world.member.user).get(reverse(f"profile:{name}"))
    assert response.status_code == 200
    body = text_of(response)
    assert 'aria-current="page"' in body and "我的积分" in body


# --- overview -------------------------------------------------------------------------------------------------------


def test_the_overview_shows_this_years_hours_points_stars_and_registration(world, settings):
    settings.STAR_POINTS_MEMBER = "10,20,30,40,50"
    records = [
        make_record(world, minutes=150, start=this_year_at(2, 3)),
        make_record(world, minutes=95, start=this_year_at(3, 8), source=ServiceSource.WISH, source_id=77),
    ]
    make_record(world, minutes=600, start=this_year_at(1, 5) - timedelta(days=400))  # last year: not counted
    make_record(world, minutes=45, start=this_year_at(4, 1), status=RecordStatus.PENDING)  # not approved yet
    make_record(world, member=world.other_member, minutes=500)  # someone else
    registration = f.RegistrationFactory(member=world.member, grid=world.grid)
    minutes = sum(r.credited_minutes for r in records)
    points = sum(service_points(minutes=r.credited_minutes, is_wish=r.source == ServiceSource.WISH) for r in records)
    stars = star_level(points, star_thresholds(timezone.localdate().year, StarSubject.MEMBER))

    body = text_of(browser_for(world.member.user).get(reverse("profile:overview")))

    assert f'<div class="value">{hours_half_up(minutes)}</div>' in body
    assert f'<div class="value">{points}</div>' in body
    assert f"{stars} 星" in body
    assert "50.0" in body  # the annual target (ANNUAL_HOUR_TARGET, 50 h by default)
    assert registration.community.name in body and registration.grid.name in body
    assert registration.receipt_number in body


def test_the_overview_shows_the_evaluation_and_the_post_held(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid)
    post = f.PostFactory(community=registration.community, title="平安巡逻员")
    PostClaim.objects.create(post=post, member=world.member, claimed_at=timezone.now())
    Evaluation.objects.create(
        member=world.member,
        community=world.community,
        year=timezone.localdate().year - 1,
        grade=EvaluationGrade.EXCELLENT,
        comment="积极参加社区夜巡",
        evaluated_by=world.staff,
        evaluated_at=timezone.now(),
    )
    body = text_of(browser_for(world.member.user).get(reverse("profile:overview")))
    assert "平安巡逻员" in body
    assert "积极参加社区夜巡" in body and str(EvaluationGrade.EXCELLENT.label) in body


def test_an_unregistered_member_is_invited_to_register(world):
    body = text_of(browser_for(world.member.user).get(reverse("profile:overview")))
    assert reverse("profile:registration") in body
    assert "还没有" in body


# --- registration ---------------------------------------------------------------------------------------------------


def test_the_address_preview_shows_community_and_grid_and_saves_nothing(places):
    response = browser_for(places.member.user).get(reverse("profile:registration"), {"address": HOME_ADDRESS})
    assert response.status_code == 200
    body = text_of(response)
    assert f'<dd class="preview-community">{places.community.name}</dd>' in body
    assert f'<dd class="preview-grid">{places.grid.name}</dd>' in body
    assert f'value="{HOME_ADDRESS}"' in body and 'name="action" value="submit"' in body
    assert not Registration.objects.exists()


def test_submitting_creates_a_pending_registration(places):
    client = browser_for(places.member.user)
    response = client.post(reverse("profile:registration"), {"address": HOME_ADDRESS, "action": "submit"})
    assert response.status_code == 302 and response["Location"] == reverse("profile:registration")
    registration = Registration.objects.get()
    assert registration.member == places.member and registration.status == RegistrationStatus.PENDING
    assert (registration.community, registration.grid) == (places.community, places.grid)
    body = text_of(client.get(response["Location"]))
    assert str(RegistrationStatus.PENDING.label) in body and places.community.name in body


@pytest.mark.parametrize(
    ("address", "code", "message"),
    [
        (FAR_ADDRESS, "address_outside_service_area", place_errors.ADDRESS_OUTSIDE_SERVICE_AREA),
        (UNKNOWN_ADDRESS, "address_not_found", place_errors.ADDRESS_NOT_FOUND),
    ],
)
def test_a_bad_address_shows_the_domain_error_on_preview_and_on_submit(places, address, code, message):
    client = browser_for(places.member.user)
    preview = text_of(client.get(reverse("profile:registration"), {"address": address}))
    # The message alone on the page; the code only in the markup, for the help desk.
    assert f">{message}<" in preview and f'data-error-code="{code}"' in preview and "preview-community" not in preview
    response = client.post(reverse("profile:registration"), {"address": address, "action": "submit"})
    assert response.status_code == 200
    assert f">{message}<" in text_of(response) and f"({code})" not in text_of(response)
    assert not Registration.objects.exists()


def test_a_blank_address_is_a_field_error(places):
    response = browser_for(places.member.user).post(reverse("profile:registration"), {"address": "  "})
    assert response.status_code == 200
    assert "has-error" in text_of(response)
    assert not Registration.objects.exists()


def test_a_second_registration_shows_already_registered_and_writes_nothing(places):
    f.RegistrationFactory(member=places.member, grid=places.grid, status=RegistrationStatus.PENDING)
    response = browser_for(places.member.user).post(
        reverse("profile:registration"), {"address": NEW_HOME_ADDRESS, "action": "submit"}
    )
    assert response.status_code == 200
    assert 'data-error-code="registration_already_active"' in text_of(response)
    assert str(registration_errors.REGISTRATION_ALREADY_ACTIVE) in text_of(response)
    assert Registration.objects.filter(member=places.member).count() == 1


def test_a_pending_registration_can_be_withdrawn(places):
    registration = f.RegistrationFactory(member=places.member, grid=places.grid, status=RegistrationStatus.PENDING)
    client = browser_for(places.member.user)
    assert reverse("profile:registration-withdraw", args=[registration.pk]) in text_of(
        client.get(reverse("profile:registration"))
    )
    response = client.post(reverse("profile:registration-withdraw", args=[registration.pk]))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.WITHDRAWN


def test_withdrawing_a_confirmed_registration_shows_the_error(places):
    registration = f.RegistrationFactory(member=places.member, grid=places.grid)
    client = browser_for(places.member.user)
    response = client.post(reverse("profile:registration-withdraw", args=[registration.pk]), follow=True)
    assert "registration_not_pending" in text_of(response)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_someone_elses_registration_reads_as_404_and_stays(places):
    theirs = f.RegistrationFactory(
        member=places.other_member, grid=places.other_grid, status=RegistrationStatus.PENDING
    )
    response = browser_for(places.member.user).post(reverse("profile:registration-withdraw", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == RegistrationStatus.PENDING


def test_withdrawing_is_post_only(places):
    registration = f.RegistrationFactory(member=places.member, grid=places.grid, status=RegistrationStatus.PENDING)
    response = browser_for(places.member.user).get(reverse("profile:registration-withdraw", args=[registration.pk]))
    assert response.status_code == 405
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_moving_house_closes_the_old_registration_and_opens_a_pending_one(places):
    old = f.RegistrationFactory(member=places.member, grid=places.grid)
    client = browser_for(places.member.user)
    preview = text_of(client.get(reverse("profile:registration"), {"address": NEW_HOME_ADDRESS}))
    assert places.other_community.name in preview and 'name="action" value="move"' in preview
    response = client.post(reverse("profile:registration"), {"address": NEW_HOME_ADDRESS, "action": "move"})
    assert response.status_code == 302
    old.refresh_from_db()
    new = Registration.objects.exclude(pk=old.pk).get()
    assert old.status == RegistrationStatus.MOVED
    assert new.status == RegistrationStatus.PENDING and new.community == places.other_community


# --- hours ----------------------------------------------------------------------------------------------------------


def test_the_hours_list_shows_only_my_records_and_the_ledgers_totals(world):
    mine = [
        make_record(world, minutes=120, start=this_year_at(2, 1), content="关爱帮扶独居老人"),
        make_record(world, minutes=75, start=this_year_at(3, 1), source=ServiceSource.WISH, source_id=5),
        make_record(world, minutes=30, start=this_year_at(4, 1), status=RecordStatus.PENDING, content="政策宣讲"),
    ]
    make_record(world, member=world.other_member, minutes=300, content="别人的社区夜巡")
    approved = [r for r in mine if r.status == RecordStatus.APPROVED]
    minutes = sum(r.credited_minutes for r in approved)
    points = sum(service_points(minutes=r.credited_minutes, is_wish=r.source == ServiceSource.WISH) for r in approved)

    body = text_of(browser_for(world.member.user).get(reverse("profile:hours")))

    assert body.count('<li class="record">') == len(mine)
    assert "关爱帮扶独居老人" in body and "政策宣讲" in body
    assert "别人的社区夜巡" not in body
    # 195 minutes are 3.25 h: 3.3, rounded half up (binary floats would show 3.2).
    assert f'<div class="value" id="total-hours">{hours_half_up(minutes)}</div>' in body
    assert f'<div class="value" id="total-services">{len(approved)}</div>' in body
    assert f'<div class="value" id="total-points">{points}</div>' in body
    assert str(RecordStatus.PENDING.label) in body


def test_the_hours_list_filters_by_year(world):
    make_record(world, minutes=60, start=this_year_at(2, 1), content="今年的服务")
    make_record(world, minutes=60, start=this_year_at(2, 1) - timedelta(days=366), content="去年的服务")
    last_year = timezone.localdate().year - 1
    body = text_of(browser_for(world.member.user).get(reverse("profile:hours"), {"year": last_year}))
    assert "去年的服务" in body and "今年的服务" not in body


def test_a_bad_year_falls_back_to_this_year_with_an_error(world):
    make_record(world, minutes=60, start=this_year_at(2, 1), content="今年的服务")
    response = browser_for(world.member.user).get(reverse("profile:hours"), {"year": "1999"})
    assert response.status_code == 200
    body = text_of(response)
    assert "form-errors" in body and "今年的服务" in body


def test_the_hours_list_pages_by_twenty_with_a_pinned_query_count(world, django_assert_max_num_queries):
    for day in range(25):
        make_record(world, minutes=30, start=this_year_at(5, 1) + timedelta(days=day))
    client = browser_for(world.member.user)
    with django_assert_max_num_queries(10):
        first = text_of(client.get(reverse("profile:hours")))
    assert first.count('<li class="record">') == 20
    second = text_of(client.get(reverse("profile:hours"), {"year": timezone.localdate().year, "page": 2}))
    assert second.count('<li class="record">') == 5


@pytest.fixture
def finished_signup(world):
    """The member's sign-up of a clean-up earlier this year, finished: 120 minutes wait for approval."""
    start = this_year_at(1, 12, 9)
    activity = make_activity(
        community=world.community,
        grid=world.grid,
        created_by=world.staff,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    signup = make_signup(
        activity=activity, member=world.member, checked_in_at=start, checked_out_at=start + timedelta(hours=2)
    )
    activity_finish(activity=activity, now=start + timedelta(hours=3))
    signup.refresh_from_db()
    return signup


def test_a_member_disputes_the_hours_of_an_activity_with_a_reason(world, finished_signup):
    client = browser_for(world.member.user)
    page = text_of(client.get(reverse("profile:hours")))
    url = reverse("profile:hours-dispute", args=[finished_signup.pk])
    assert url in page
    response = client.post(url, {"reason": "我一直服务到活动结束"})
    assert response.status_code == 302
    finished_signup.refresh_from_db()
    assert finished_signup.hours_status == HoursStatus.DISPUTED
    assert finished_signup.dispute_reason == "我一直服务到活动结束"
    assert url not in text_of(client.get(reverse("profile:hours")))


def _tokens(page):
    """The CSRF tokens of a page's forms, in order."""
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)


def test_the_kept_dispute_form_carries_each_visitors_own_token(world, finished_signup):
    """The rows of my hours are kept as HTML ({% memo %}), dispute form included: each rendering puts the request's
    own CSRF token in, so the form works for whoever gets it and never carries another session's token."""
    from apps.web.templatetags.memo import memo_clear

    memo_clear()
    url = reverse("profile:hours-dispute", args=[finished_signup.pk])
    browsers = [Client(enforce_csrf_checks=True) for _ in range(2)]
    pages = []
    for browser in browsers:
        browser.force_login(world.member.user)
        pages.append(browser.get(reverse("profile:hours")).content.decode())
    row_tokens = [_tokens(page[page.index(url) :])[0] for page in pages]
    # Within a page, the row's form has the page's token (the footer's forms'); between sessions, not the same.
    assert [_tokens(page)[-1] for page in pages] == row_tokens
    assert row_tokens[0] != row_tokens[1]
    refused = browsers[1].post(url, {"reason": "时间不对", "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
    accepted = browsers[1].post(url, {"reason": "时间不对", "csrfmiddlewaretoken": row_tokens[1]})
    assert accepted.status_code == 302
    finished_signup.refresh_from_db()
    assert finished_signup.hours_status == HoursStatus.DISPUTED


def test_a_dispute_without_a_reason_shows_the_error_and_changes_nothing(world, finished_signup):
    response = browser_for(world.member.user).post(
        reverse("profile:hours-dispute", args=[finished_signup.pk]), {"reason": " "}, follow=True
    )
    assert "reason_required" in text_of(response)
    finished_signup.refresh_from_db()
    assert finished_signup.disputed_at is None


def test_nobody_disputes_someone_elses_hours(world, finished_signup):
    other = f.MemberFactory(branch=world.branch)
    response = browser_for(other.user).post(
        reverse("profile:hours-dispute", args=[finished_signup.pk]), {"reason": "不对"}
    )
    assert response.status_code == 404
    finished_signup.refresh_from_db()
    assert finished_signup.disputed_at is None


# --- certificates ---------------------------------------------------------------------------------------------------


def test_a_member_issues_and_downloads_a_certificate(world):
    records = [make_record(world, minutes=120, start=this_year_at(2, 1)), make_record(world, minutes=45)]
    client = browser_for(world.member.user)
    response = client.post(reverse("profile:certificates"), {"year": timezone.localdate().year})
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.member == world.member
    assert certificate.total_minutes == sum(r.credited_minutes for r in records)
    page = text_of(client.get(reverse("profile:certificates")))
    download = reverse("profile:certificate-pdf", args=[certificate.pk])
    assert certificate.number in page and download in page

    pdf = client.get(download)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f"{certificate.number}.pdf" in pdf["Content-Disposition"]


def test_a_year_without_approved_service_shows_the_error_and_issues_nothing(world):
    response = browser_for(world.member.user).post(reverse("profile:certificates"), {"year": timezone.localdate().year})
    assert response.status_code == 200
    assert f">{NO_APPROVED_SERVICE}<" in text_of(response)
    assert 'data-error-code="no_approved_service"' in text_of(response)
    assert not Certificate.objects.exists()


def test_someone_elses_certificate_reads_as_404(world):
    make_record(world, member=world.other_member, minutes=60)
    client = browser_for(world.other_member.user)
    client.post(reverse("profile:certificates"), {"year": timezone.localdate().year})
    theirs = Certificate.objects.get()
    assert browser_for(world.member.user).get(reverse("profile:certificate-pdf", args=[theirs.pk])).status_code == 404


# --- standing posts -------------------------------------------------------------------------------------------------


def test_a_registered_member_takes_up_and_gives_up_a_post(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid)
    post = f.PostFactory(community=registration.community, title="环境监督员")
    f.PostFactory(community=world.other_community, title="别的社区岗位")
    client = browser_for(world.member.user)
    page = text_of(client.get(reverse("profile:posts")))
    assert "环境监督员" in page and "别的社区岗位" not in page

    assert client.post(reverse("profile:post-claim", args=[post.pk])).status_code == 302
    claim = PostClaim.objects.get(post=post, member=world.member)
    assert claim.released_at is None
    assert client.post(reverse("profile:post-release", args=[post.pk])).status_code == 302
    claim.refresh_from_db()
    assert claim.released_at is not None


def test_a_full_post_cannot_be_taken_and_says_why(world):
    f.RegistrationFactory(member=world.member, grid=world.grid)
    post = f.PostFactory(community=world.community, capacity=1)
    PostClaim.objects.create(post=post, member=world.other_member, claimed_at=timezone.now())
    response = browser_for(world.member.user).post(reverse("profile:post-claim", args=[post.pk]), follow=True)
    assert str(registration_errors.POST_FULL) in text_of(response) and "post_full" in text_of(response)
    assert not PostClaim.objects.filter(member=world.member).exists()


def test_an_unregistered_member_sees_no_posts_and_cannot_claim(world):
    post = f.PostFactory(community=world.community)
    client = browser_for(world.member.user)
    assert post.title not in text_of(client.get(reverse("profile:posts")))
    response = client.post(reverse("profile:post-claim", args=[post.pk]), follow=True)
    assert "not_registered_here" in text_of(response)
    assert not PostClaim.objects.exists()
