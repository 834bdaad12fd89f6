"""Community evaluations (社区评价): the service's rules, who sees what, the endpoints and concurrent submissions."""

import threading
import time
from datetime import datetime

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.scope import forget_scope
from apps.ledger.models import AuditEntry
from apps.ledger.selectors import audit_list
from apps.orgs.models import Member
from apps.places.models import Community
from apps.registrations import errors, selectors, services
from apps.registrations.models import Evaluation, EvaluationGrade, RegistrationStatus
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

EVALUATIONS = "/api/v1/evaluations/"
CANDIDATES = "/api/v1/evaluations/candidates/"
YEAR = timezone.localdate().year
LAST_YEAR = YEAR - 1
EXCELLENT, COMPETENT = EvaluationGrade.EXCELLENT, EvaluationGrade.COMPETENT
NOT_COMPETENT = EvaluationGrade.NOT_COMPETENT


def local(*args):
    """An aware datetime at a local wall-clock time (the year's bounds are local days)."""
    return timezone.make_aware(datetime(*args))


def _audit(evaluation):
    entries = AuditEntry.objects.filter(subject_type="registrations.evaluation", subject_id=evaluation.pk)
    return list(entries.order_by("at", "id"))


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def registered(world, make_registration):
    """world.member holds a confirmed registration with world.community (since today)."""
    return make_registration()


@pytest.fixture
def submit(world, registered):
    """Call the service as world.staff on world.member in world.community for this year, overriding any argument."""

    def call(**kwargs):
        args = {
            "actor": world.staff,
            "member": world.member,
            "community": world.community,
            "year": YEAR,
            "grade": COMPETENT,
            "comment": "",
        }
        return services.evaluation_submit(**{**args, **kwargs})

    return call


@pytest.fixture
def other_staff(world):
    user = f.UserFactory(name="别的社区干部")
    f.RoleFactory(user=user, role=Role.COMMUNITY_STAFF, community=world.other_community)
    return user


# --- the service: creating and revising ------------------------------------------------------------------------------


def test_staff_rate_a_registered_member_and_the_audit_trail_records_it(world, submit):
    evaluation, created = submit(grade=EXCELLENT, comment="  积极参加社区夜巡  ")
    assert created
    evaluation.refresh_from_db()
    assert (evaluation.member, evaluation.community, evaluation.year) == (world.member, world.community, YEAR)
    assert evaluation.grade == EXCELLENT and evaluation.comment == "积极参加社区夜巡"
    assert evaluation.evaluated_by == world.staff and evaluation.evaluated_at is not None
    [entry] = _audit(evaluation)
    assert entry.action == "evaluate" and entry.actor == world.staff and entry.before is None
    assert entry.after == {
        "member": world.member.pk,
        "community": world.community.pk,
        "year": YEAR,
        "grade": "excellent",
        "comment": "积极参加社区夜巡",
    }


def test_a_second_submission_revises_the_one_evaluation_with_before_and_after(world, submit):
    first, _ = submit(grade=COMPETENT)
    revised, created = submit(actor=world.superuser, grade=NOT_COMPETENT, comment="全年未参加服务")
    assert not created and revised.pk == first.pk
    assert Evaluation.objects.filter(member=world.member).count() == 1
    revised.refresh_from_db()
    assert revised.grade == NOT_COMPETENT and revised.comment == "全年未参加服务"
    assert revised.evaluated_by == world.superuser
    evaluate, revise = _audit(revised)
    assert evaluate.action == "evaluate"
    assert revise.action == "revise" and revise.actor == world.superuser
    assert revise.before == {"grade": "competent", "comment": ""}
    assert revise.after == {"grade": "not_competent", "comment": "全年未参加服务"}


def test_resubmitting_the_same_rating_changes_and_audits_nothing(world, submit):
    first, _ = submit(grade=EXCELLENT, comment="好")
    again, created = submit(actor=world.superuser, grade=EXCELLENT, comment=" 好 ")
    assert not created and again.pk == first.pk
    again.refresh_from_db()
    assert again.evaluated_by == world.staff and again.evaluated_at == first.evaluated_at
    assert [e.action for e in _audit(again)] == ["evaluate"]


def test_each_year_has_its_own_evaluation(world, make_registration):
    make_registration(decided_at=local(LAST_YEAR, 3, 1))
    last, _ = services.evaluation_submit(
        actor=world.staff, member=world.member, community=world.community, year=LAST_YEAR, grade=COMPETENT
    )
    this, created = services.evaluation_submit(
        actor=world.staff, member=world.member, community=world.community, year=YEAR, grade=EXCELLENT
    )
    assert created and this.pk != last.pk
    assert sorted(Evaluation.objects.values_list("year", "grade")) == [(LAST_YEAR, "competent"), (YEAR, "excellent")]


def test_a_member_who_moved_during_the_year_is_rated_by_both_communities(world, other_staff, make_registration):
    make_registration(
        status=RegistrationStatus.MOVED,
        decided_at=local(LAST_YEAR, 2, 1),
        closed_at=local(LAST_YEAR, 6, 30),
        receipt_number="R-old",
    )
    make_registration(grid=world.other_grid, decided_at=local(LAST_YEAR, 7, 2))
    for actor, community in ((world.staff, world.community), (other_staff, world.other_community)):
        services.evaluation_submit(
            actor=actor, member=world.member, community=community, year=LAST_YEAR, grade=COMPETENT
        )
    assert set(Evaluation.objects.values_list("community", flat=True)) == {world.community.pk, world.other_community.pk}


# --- the service: who may rate ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["grid_worker", "secretary", "reviewer", "street_admin", "district_admin", "outsider", "other_member"]
)
def test_only_the_communitys_staff_may_rate(world, submit, role):
    with pytest.raises(errors.Forbidden) as exc:
        submit(actor=world.user(role))
    assert exc.value.code == "not_community_staff" and exc.value.message == errors.NOT_COMMUNITY_STAFF
    assert not Evaluation.objects.exists()
    assert not AuditEntry.objects.filter(subject_type="registrations.evaluation").exists()


def test_staff_of_another_community_may_not_rate_here(submit, other_staff):
    with pytest.raises(errors.Forbidden) as exc:
        submit(actor=other_staff)
    assert exc.value.code == "not_community_staff"
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("who", ["staff", "superuser"])
def test_nobody_rates_themselves(world, make_registration, who):
    user = getattr(world, who)
    own = f.MemberFactory(user=user, branch=world.branch)
    forget_scope(user)
    make_registration(member=own)
    with pytest.raises(errors.Forbidden) as exc:
        services.evaluation_submit(actor=user, member=own, community=world.community, year=YEAR, grade=EXCELLENT)
    assert exc.value.code == "own_evaluation" and exc.value.message == errors.OWN_EVALUATION
    assert not Evaluation.objects.exists()


def test_a_superuser_may_rate_in_any_community(world, submit):
    evaluation, created = submit(actor=world.superuser)
    assert created and evaluation.evaluated_by == world.superuser


# --- the service: the member must have been registered here during the year ------------------------------------------


def _not_registered(call):
    with pytest.raises(errors.Invalid) as exc:
        call()
    assert exc.value.code == "member_not_registered_here" and exc.value.message == errors.MEMBER_NOT_REGISTERED_HERE
    assert not Evaluation.objects.exists()


def test_a_member_never_registered_cannot_be_rated(world):
    _not_registered(
        lambda: services.evaluation_submit(
            actor=world.staff, member=world.member, community=world.community, year=YEAR, grade=COMPETENT
        )
    )


UNCONFIRMED = {
    RegistrationStatus.PENDING: {},
    RegistrationStatus.REJECTED: {"reject_reason": "地址不符"},
    RegistrationStatus.WITHDRAWN: {"decided_at": None, "closed_at": timezone.now()},
}


@pytest.mark.parametrize("status", UNCONFIRMED)
def test_an_unconfirmed_registration_is_not_enough(world, make_registration, status):
    make_registration(status=status, **UNCONFIRMED[status])
    _not_registered(
        lambda: services.evaluation_submit(
            actor=world.staff, member=world.member, community=world.community, year=YEAR, grade=COMPETENT
        )
    )


def test_a_registration_with_another_community_is_not_enough(world, other_staff, make_registration):
    make_registration(grid=world.other_grid)
    _not_registered(
        lambda: services.evaluation_submit(
            actor=world.staff, member=world.member, community=world.community, year=YEAR, grade=COMPETENT
        )
    )


def test_a_pending_registration_closed_by_moving_is_not_enough(world, make_registration):
    make_registration(
        status=RegistrationStatus.MOVED, decided_at=None, closed_at=local(LAST_YEAR, 5, 1), receipt_number=None
    )
    _not_registered(
        lambda: services.evaluation_submit(
            actor=world.staff, member=world.member, community=world.community, year=LAST_YEAR, grade=COMPETENT
        )
    )


# (status, decided_at, closed_at, may be rated for LAST_YEAR): the year is the local calendar year.
WINDOWS = {
    "confirmed_in_the_years_last_minute": (RegistrationStatus.CONFIRMED, (LAST_YEAR, 12, 31, 23, 59), None, True),
    "confirmed_after_the_year": (RegistrationStatus.CONFIRMED, (YEAR, 1, 1, 0, 0), None, False),
    "confirmed_long_before_and_still_in_force": (RegistrationStatus.CONFIRMED, (LAST_YEAR - 3, 5, 1), None, True),
    "moved_away_on_the_years_first_minute": (
        RegistrationStatus.MOVED,
        (LAST_YEAR - 1, 5, 1),
        (LAST_YEAR, 1, 1, 0, 0),
        True,
    ),
    "moved_away_before_the_year": (
        RegistrationStatus.MOVED,
        (LAST_YEAR - 1, 5, 1),
        (LAST_YEAR - 1, 12, 31, 23, 59),
        False,
    ),
    "moved_away_during_the_year": (RegistrationStatus.MOVED, (LAST_YEAR - 1, 5, 1), (LAST_YEAR, 8, 1), True),
}


@pytest.mark.parametrize("case", WINDOWS)
def test_the_registration_must_be_in_force_at_some_time_during_the_year(world, make_registration, case):
    status, decided, closed, allowed = WINDOWS[case]
    make_registration(
        status=status,
        decided_at=local(*decided),
        closed_at=local(*closed) if closed else None,
        receipt_number="R-window",
    )

    def call():
        return services.evaluation_submit(
            actor=world.staff, member=world.member, community=world.community, year=LAST_YEAR, grade=COMPETENT
        )

    if allowed:
        assert call()[1] is True
    else:
        _not_registered(call)


# --- the service: year, grade and comment ----------------------------------------------------------------------------


@pytest.mark.parametrize("year", [1999, YEAR + 1, str(YEAR), True, None])
def test_the_year_must_be_from_2000_to_this_year(submit, year):
    with pytest.raises(errors.Invalid) as exc:
        submit(year=year)
    assert exc.value.code == "evaluation_year_invalid" and exc.value.message == errors.EVALUATION_YEAR_INVALID
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("grade", ["great", "", None, "EXCELLENT"])
def test_the_grade_must_be_one_of_the_four(submit, grade):
    with pytest.raises(errors.Invalid) as exc:
        submit(grade=grade)
    assert exc.value.code == "evaluation_grade_invalid" and exc.value.message == errors.EVALUATION_GRADE_INVALID


def test_the_comment_is_stripped_and_at_most_500_characters(submit):
    evaluation, _ = submit(comment="  " + "好" * 500 + "\n")
    assert evaluation.comment == "好" * 500
    with pytest.raises(errors.Invalid) as exc:
        submit(comment="好" * 501)
    assert exc.value.code == "evaluation_comment_too_long" and exc.value.message == errors.EVALUATION_COMMENT_TOO_LONG
    assert Evaluation.objects.get().comment == "好" * 500


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_not_competent_needs_a_comment(submit, comment):
    with pytest.raises(errors.Invalid) as exc:
        submit(grade=NOT_COMPETENT, comment=comment)
    assert exc.value.code == "evaluation_comment_required"
    assert exc.value.message == errors.EVALUATION_COMMENT_REQUIRED
    assert not Evaluation.objects.exists()


def test_revising_to_not_competent_needs_a_comment_too(submit):
    evaluation, _ = submit(grade=COMPETENT)
    with pytest.raises(errors.Invalid):
        submit(grade=NOT_COMPETENT)
    evaluation.refresh_from_db()
    assert evaluation.grade == COMPETENT and [e.action for e in _audit(evaluation)] == ["evaluate"]


# --- the service: concurrent submissions -----------------------------------------------------------------------------


def test_losing_the_insert_race_revises_the_winners_row(world, submit, monkeypatch):
    """The path a concurrent submission takes on PostgreSQL, forced here on any database: the first look finds no
    row (the winner had not committed yet), the insert then hits the unique constraint inside its savepoint, and
    the submission goes on as a revision of the winner's row in the same transaction."""
    winner, _ = submit(grade=COMPETENT)
    real = services._locked_evaluation
    looks = []

    def first_look_misses(*args):
        looks.append(args)
        return None if len(looks) == 1 else real(*args)

    monkeypatch.setattr(services, "_locked_evaluation", first_look_misses)
    evaluation, created = submit(actor=world.superuser, grade=EXCELLENT)
    assert len(looks) == 2
    assert not created and evaluation.pk == winner.pk
    assert Evaluation.objects.get().grade == EXCELLENT
    assert [e.action for e in _audit(winner)] == ["evaluate", "revise"]


def _in_threads(*calls, names=None):
    """Run each callable in its own thread (and database connection); return their results in order."""
    results, failures = [None] * len(calls), []

    def run(i, call):
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            connection.close()

    names = names or [f"submission-{i}" for i in range(len(calls))]
    threads = [threading.Thread(target=run, args=(i, call), name=names[i]) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return results


@pytest.mark.django_db(transaction=True)
def test_a_submission_waiting_on_an_uncommitted_first_one_becomes_its_revision(world, submit, monkeypatch):
    """The first submission holds its transaction open after inserting while the second starts. On PostgreSQL the
    second's first look finds no row (it is not committed), its insert then fails on the unique constraint once the
    first commits, and it looks again and revises; on SQLite it waits for the write lock and then finds the row.
    Either way it ends as a revision, never an IntegrityError."""
    on_postgres = connection.vendor == "postgresql"
    inserted, second_looked = threading.Event(), threading.Event()
    second_looks = []
    real = services._locked_evaluation

    def spy(*args):
        found = real(*args)
        if threading.current_thread().name == "second":
            second_looks.append(found is not None)
            second_looked.set()
        return found

    monkeypatch.setattr(services, "_locked_evaluation", spy)

    def first():
        with transaction.atomic():
            result = submit(grade=COMPETENT)
            inserted.set()
            # On PostgreSQL hold the transaction until the second has looked (and missed); SQLite's second
            # submission cannot look before this commits, so there just give it time to queue for the lock.
            second_looked.wait(timeout=10 if on_postgres else 0.5)
            time.sleep(0.2)
        return result

    def second():
        assert inserted.wait(timeout=10)
        return submit(actor=world.superuser, grade=EXCELLENT)

    (winner, winner_created), (revised, revised_created) = _in_threads(first, second, names=("first", "second"))
    assert winner_created and not revised_created and revised.pk == winner.pk
    assert second_looks == ([False, True] if on_postgres else [True])
    evaluation = Evaluation.objects.get()
    assert evaluation.grade == EXCELLENT and evaluation.evaluated_by == world.superuser
    assert [e.action for e in _audit(evaluation)] == ["evaluate", "revise"]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_leave_one_evaluation_and_a_consistent_history(world, submit):
    barrier = threading.Barrier(4)
    actors = [world.staff, world.superuser] * 2
    grades = [COMPETENT, EXCELLENT, EvaluationGrade.BASICALLY_COMPETENT, EXCELLENT]

    def send(actor, grade):
        barrier.wait(timeout=10)
        return submit(actor=actor, grade=grade)

    results = _in_threads(*[lambda a=a, g=g: send(a, g) for a, g in zip(actors, grades, strict=True)])
    assert sorted(created for _, created in results) == [False, False, False, True]
    evaluation = Evaluation.objects.get()
    history = _audit(evaluation)
    assert history[0].action == "evaluate" and all(e.action == "revise" for e in history[1:])
    # Every revision starts from what the previous entry left, and the last one is what the row says.
    for earlier, later in zip(history, history[1:], strict=False):
        assert later.before == {k: earlier.after[k] for k in ("grade", "comment")}
    assert history[-1].after["grade"] == evaluation.grade


@pytest.mark.django_db(transaction=True)
def test_parallel_api_submissions_get_one_201_and_a_200(world, registered):
    barrier = threading.Barrier(2)
    body = {"member": world.member.pk, "community": world.community.pk, "year": YEAR}

    def post(user, grade):
        client = client_for(user)
        barrier.wait(timeout=10)
        return client.post(EVALUATIONS, {**body, "grade": grade}, format="json")

    responses = _in_threads(lambda: post(world.staff, COMPETENT), lambda: post(world.superuser, EXCELLENT))
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert Evaluation.objects.count() == 1


# --- reading: scope ---------------------------------------------------------------------------------------------------


@pytest.fixture
def two_evaluations(world, other_staff, make_registration):
    """One evaluation on each side of the world: world.member by world.community, other_member by the other."""
    make_registration()
    make_registration(member=world.other_member, grid=world.other_grid)
    mine, _ = services.evaluation_submit(
        actor=world.staff, member=world.member, community=world.community, year=YEAR, grade=EXCELLENT
    )
    theirs, _ = services.evaluation_submit(
        actor=other_staff, member=world.other_member, community=world.other_community, year=YEAR, grade=COMPETENT
    )
    return mine, theirs


# Who sees which of the two: "mine" is side A's (world.member, world.community), "theirs" side B's.
VISIBLE = {
    "superuser": {"mine", "theirs"},
    "staff": {"mine"},
    "grid_worker": set(),  # the evaluation is the community's judgement, not the grid's (see permissions)
    "secretary": {"mine"},
    "reviewer": {"mine"},
    "street_admin": {"mine"},
    "district_admin": {"mine"},
    "member": {"mine"},
    "other_member": {"theirs"},
    "outsider": set(),
}


@pytest.mark.parametrize("role", VISIBLE)
def test_each_role_lists_and_reads_exactly_the_evaluations_in_its_scope(world, two_evaluations, role):
    named = dict(zip(("mine", "theirs"), two_evaluations, strict=True))
    expected = {named[name].pk for name in VISIBLE[role]}
    user = world.user(role)
    assert set(selectors.evaluation_list(user=user).values_list("pk", flat=True)) == expected
    client = client_for(user)
    assert _ids(client.get(EVALUATIONS)) == expected
    for evaluation in two_evaluations:
        response = client.get(f"{EVALUATIONS}{evaluation.pk}/")
        assert response.status_code == (200 if evaluation.pk in expected else 404)


def test_staff_of_the_other_community_see_only_theirs(two_evaluations, other_staff):
    assert _ids(client_for(other_staff).get(EVALUATIONS)) == {two_evaluations[1].pk}


def test_a_branch_secretary_sees_the_members_of_the_branches_below(world, make_registration):
    """The secretary of the organ's committee sees the evaluations of members of every branch under it."""
    secretary = f.UserFactory()
    f.RoleFactory(user=secretary, role=Role.BRANCH_SECRETARY, party_org=f.committee_of(world.organ))
    make_registration()
    evaluation, _ = services.evaluation_submit(
        actor=world.staff, member=world.member, community=world.community, year=YEAR, grade=EXCELLENT
    )
    assert _ids(client_for(secretary).get(EVALUATIONS)) == {evaluation.pk}


def test_the_audit_trail_of_an_evaluation_is_read_where_the_evaluation_is(world, two_evaluations, other_staff):
    mine, theirs = two_evaluations

    def subjects(user):
        entries = audit_list(user=user).filter(subject_type="registrations.evaluation")
        return set(entries.values_list("subject_id", flat=True))

    readers = (world.staff, world.reviewer, other_staff)
    assert {user: subjects(user) for user in readers} == {
        world.staff: {mine.pk},
        world.reviewer: {mine.pk},
        other_staff: {theirs.pk},
    }


def test_selector_filters_narrow_the_scoped_list(world, two_evaluations, make_registration):
    mine, theirs = two_evaluations
    listed = selectors.evaluation_list(user=world.superuser, filters={"grade": "excellent"})
    assert list(listed) == [mine]
    listed = selectors.evaluation_list(user=world.staff, filters={"community": world.other_community.pk})
    assert not listed.exists()
    assert list(selectors.evaluation_list(user=world.superuser, filters={"organ": world.other_organ})) == [theirs]
    with pytest.raises(TypeError):
        selectors.evaluation_list(user=world.superuser, filters={"colour": "red"})


def test_evaluations_for_members_groups_a_years_evaluations_in_one_query(
    world, other_staff, make_registration, django_assert_num_queries
):
    make_registration(
        status=RegistrationStatus.MOVED,
        decided_at=local(LAST_YEAR, 1, 10),
        closed_at=local(LAST_YEAR, 6, 1),
        receipt_number="R-first",
    )
    make_registration(grid=world.other_grid, decided_at=local(LAST_YEAR, 6, 2))
    make_registration(member=world.other_member, grid=world.other_grid, decided_at=local(LAST_YEAR, 3, 1))
    rate = services.evaluation_submit
    a, _ = rate(actor=world.staff, member=world.member, community=world.community, year=LAST_YEAR, grade=COMPETENT)
    b, _ = rate(
        actor=other_staff, member=world.member, community=world.other_community, year=LAST_YEAR, grade=EXCELLENT
    )
    rate(actor=other_staff, member=world.member, community=world.other_community, year=YEAR, grade=COMPETENT)
    c, _ = rate(
        actor=other_staff, member=world.other_member, community=world.other_community, year=LAST_YEAR, grade=COMPETENT
    )
    nobody = f.MemberFactory()
    with django_assert_num_queries(1):
        found = selectors.evaluations_for_members(
            member_ids=[world.member.pk, world.other_member.pk, nobody.pk], year=LAST_YEAR
        )
        names = {m: [e.community.name for e in found[m]] for m in found}
    assert {m: [e.pk for e in es] for m, es in found.items()} == {
        world.member.pk: [e.pk for e in sorted([a, b], key=lambda e: e.community_id)],
        world.other_member.pk: [c.pk],
    }
    assert set(names[world.member.pk]) == {world.community.name, world.other_community.name}


# --- reading: the year-end candidates --------------------------------------------------------------------------------


def test_candidates_are_the_members_registered_here_during_the_year_with_their_rating(world, make_registration):
    rated, unrated, moved_away = f.MemberFactory(), f.MemberFactory(), f.MemberFactory()
    for member in (rated, unrated):
        make_registration(member=member, decided_at=local(LAST_YEAR, 4, 1))
    make_registration(
        member=moved_away,
        status=RegistrationStatus.MOVED,
        decided_at=local(LAST_YEAR, 2, 1),
        closed_at=local(LAST_YEAR, 9, 1),
        receipt_number="R-moved",
    )
    make_registration(member=f.MemberFactory(), decided_at=local(YEAR, 1, 2))  # registered only after the year
    make_registration(member=f.MemberFactory(), status=RegistrationStatus.PENDING)
    make_registration(member=f.MemberFactory(), grid=world.other_grid, decided_at=local(LAST_YEAR, 4, 1))
    evaluation, _ = services.evaluation_submit(
        actor=world.staff, member=rated, community=world.community, year=LAST_YEAR, grade=EXCELLENT
    )
    candidates = {
        m.pk: m for m in selectors.evaluation_candidates(user=world.staff, community=world.community, year=LAST_YEAR)
    }
    assert set(candidates) == {rated.pk, unrated.pk, moved_away.pk}
    assert candidates[rated.pk].year_evaluations == [evaluation]
    assert candidates[unrated.pk].year_evaluations == []
    assert candidates[rated.pk].still_registered and not candidates[moved_away.pk].still_registered


def test_candidates_leave_out_the_staff_member_themselves(world, make_registration):
    own = f.MemberFactory(user=world.staff, branch=world.branch)
    forget_scope(world.staff)
    make_registration(member=own)
    make_registration()
    candidates = selectors.evaluation_candidates(user=world.staff, community=world.community, year=YEAR)
    assert [m.pk for m in candidates] == [world.member.pk]


@pytest.mark.parametrize("role", ["grid_worker", "reviewer", "street_admin", "member", "outsider"])
def test_only_the_communitys_staff_get_candidates(world, role):
    with pytest.raises(errors.Forbidden):
        selectors.evaluation_candidates(user=world.user(role), community=world.community, year=YEAR)


# --- the API ----------------------------------------------------------------------------------------------------------


def _body(world, **extra):
    return {"member": world.member.pk, "community": world.community.pk, "year": YEAR, "grade": "excellent", **extra}


def test_post_creates_with_201_and_revises_with_200(world, registered):
    client = client_for(world.staff)
    response = client.post(EVALUATIONS, _body(world, comment="带头参加环境整治"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["member"] == {"id": world.member.pk, "name": world.member.user.name}
    assert body["organ"] == {"id": world.organ.pk, "name": world.organ.name}
    assert body["branch"] == {"id": world.branch.pk, "name": world.branch.name}
    assert body["community"] == {"id": world.community.pk, "name": world.community.name}
    assert body["year"] == YEAR and body["grade"] == "excellent" and body["comment"] == "带头参加环境整治"
    assert body["grade_label"] == str(EvaluationGrade.EXCELLENT.label)
    assert body["evaluated_by"] == world.staff.name

    response = client.post(EVALUATIONS, _body(world, grade="basically_competent"), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == body["id"] and response.json()["grade"] == "basically_competent"
    assert Evaluation.objects.count() == 1


def test_organ_readers_see_the_members_real_name(world, registered):
    services.evaluation_submit(
        actor=world.staff, member=world.member, community=world.community, year=YEAR, grade=EXCELLENT
    )
    [row] = client_for(world.reviewer).get(EVALUATIONS).json()["results"]
    assert row["member"]["name"] == world.member.user.name


@pytest.mark.parametrize("role", ["grid_worker", "reviewer", "secretary", "street_admin", "member", "outsider"])
def test_post_by_anyone_but_the_staff_is_403(world, registered, role):
    response = client_for(world.user(role)).post(EVALUATIONS, _body(world), format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_community_staff"
    assert not Evaluation.objects.exists()


def test_staff_rating_themselves_is_403(world, registered):
    user = world.member.user
    f.RoleFactory(user=user, role=Role.COMMUNITY_STAFF, community=world.community)
    response = client_for(user).post(EVALUATIONS, _body(world), format="json")
    assert response.status_code == 403 and response.json()["code"] == "own_evaluation"
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"year": 1999}, "evaluation_year_invalid"),
        ({"year": YEAR + 1}, "evaluation_year_invalid"),
        ({"grade": "great"}, "evaluation_grade_invalid"),
        ({"grade": ""}, "evaluation_grade_invalid"),
        ({"comment": "x" * 501}, "evaluation_comment_too_long"),
        ({"grade": "not_competent", "comment": " "}, "evaluation_comment_required"),
    ],
)
def test_post_breaking_a_rule_is_422_with_its_code(world, registered, change, code):
    response = client_for(world.staff).post(EVALUATIONS, _body(world, **change), format="json")
    assert response.status_code == 422 and response.json()["code"] == code
    assert not Evaluation.objects.exists()


def test_post_about_a_member_not_registered_here_is_422(world, registered):
    response = client_for(world.staff).post(EVALUATIONS, _body(world, member=world.other_member.pk), format="json")
    assert response.status_code == 422 and response.json()["code"] == "member_not_registered_here"


@pytest.mark.parametrize("drop", ["member", "community", "year", "grade"])
def test_post_without_a_field_is_400(world, registered, drop):
    body = _body(world)
    body.pop(drop)
    response = client_for(world.staff).post(EVALUATIONS, body, format="json")
    assert response.status_code == 400 and drop in response.json()["fields"]


def test_post_with_an_unknown_member_is_400(world, registered):
    ghost_pk = Member.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    response = client_for(world.staff).post(EVALUATIONS, _body(world, member=ghost_pk), format="json")
    assert response.status_code == 400 and "member" in response.json()["fields"]


def test_anonymous_requests_are_refused(api):
    assert api.get(EVALUATIONS).status_code in (401, 403)
    assert api.post(EVALUATIONS, {}, format="json").status_code in (401, 403)


def test_list_filters(world, two_evaluations, make_registration):
    mine, theirs = two_evaluations
    make_registration(
        status=RegistrationStatus.MOVED,
        decided_at=local(LAST_YEAR, 1, 10),
        closed_at=local(LAST_YEAR, 12, 1),
        receipt_number="R-last-year",
    )
    older, _ = services.evaluation_submit(
        actor=world.staff, member=world.member, community=world.community, year=LAST_YEAR, grade=COMPETENT
    )
    client = client_for(world.superuser)
    assert _ids(client.get(EVALUATIONS, {"year": LAST_YEAR})) == {older.pk}
    assert _ids(client.get(EVALUATIONS, {"year": YEAR})) == {mine.pk, theirs.pk}
    assert _ids(client.get(EVALUATIONS, {"community": world.other_community.pk})) == {theirs.pk}
    assert _ids(client.get(EVALUATIONS, {"member": world.member.pk})) == {mine.pk, older.pk}
    assert _ids(client.get(EVALUATIONS, {"grade": "competent"})) == {theirs.pk, older.pk}
    assert _ids(client.get(EVALUATIONS, {"organ": world.organ.pk, "year": YEAR})) == {mine.pk}
    assert _ids(client.get(EVALUATIONS, {"branch": world.other_branch.pk})) == {theirs.pk}


@pytest.mark.parametrize("params", [{"year": "last"}, {"year": "2024.5"}, {"grade": "great"}, {"member": "x"}])
def test_a_malformed_filter_is_400_not_an_unfiltered_list(world, two_evaluations, params):
    response = client_for(world.superuser).get(EVALUATIONS, params)
    assert response.status_code == 400


def test_the_list_costs_a_fixed_number_of_queries(world, make_registration, django_assert_max_num_queries):
    for _ in range(6):
        member = f.MemberFactory(branch=world.branch)
        make_registration(member=member)
        services.evaluation_submit(
            actor=world.staff, member=member, community=world.community, year=YEAR, grade=COMPETENT
        )
    client = client_for(world.reviewer)
    with django_assert_max_num_queries(8):
        response = client.get(EVALUATIONS)
    assert response.json()["count"] == 6


def test_staff_get_the_candidates_screen(world, registered, django_assert_max_num_queries):
    for _ in range(4):
        f.RegistrationFactory(member=f.MemberFactory(), grid=world.grid)
    evaluation, _ = services.evaluation_submit(
        actor=world.staff, member=world.member, community=world.community, year=YEAR, grade=EXCELLENT, comment="好"
    )
    client = client_for(world.staff)
    with django_assert_max_num_queries(10):
        response = client.get(CANDIDATES, {"community": world.community.pk, "year": YEAR})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 5
    rows = {row["member"]["id"]: row for row in body["results"]}
    mine = rows[world.member.pk]
    assert mine["member"]["name"] == world.member.user.name and mine["still_registered"] is True
    assert mine["organ"] == {"id": world.organ.pk, "name": world.organ.name}
    assert mine["evaluation"]["id"] == evaluation.pk and mine["evaluation"]["grade"] == "excellent"
    assert mine["evaluation"]["comment"] == "好" and mine["evaluation"]["evaluated_by"] == world.staff.name
    assert sum(row["evaluation"] is None for row in rows.values()) == 4


@pytest.mark.parametrize("role", ["grid_worker", "reviewer", "secretary", "street_admin", "member", "outsider"])
def test_candidates_are_403_for_everyone_but_the_staff(world, registered, role):
    response = client_for(world.user(role)).get(CANDIDATES, {"community": world.community.pk, "year": YEAR})
    assert response.status_code == 403 and response.json()["code"] == "not_community_staff"


def test_candidates_of_another_community_are_403_and_of_none_404(world, registered):
    client = client_for(world.staff)
    response = client.get(CANDIDATES, {"community": world.other_community.pk, "year": YEAR})
    assert response.status_code == 403
    ghost_pk = Community.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    assert client.get(CANDIDATES, {"community": ghost_pk, "year": YEAR}).status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"year": YEAR}, 400, "invalid_input"),
        ({"community": "x", "year": YEAR}, 400, "invalid_input"),
        ({"community": None}, 400, "invalid_input"),
        ({"community": None, "year": YEAR + 1}, 422, "evaluation_year_invalid"),
    ],
)
def test_candidates_check_their_parameters(world, registered, params, status, code):
    params = {k: (world.community.pk if v is None else v) for k, v in params.items()}
    response = client_for(world.staff).get(CANDIDATES, params)
    assert response.status_code == status and response.json()["code"] == code


# --- admin -----------------------------------------------------------------------------------------------------------


def test_the_admin_shows_evaluations_read_only(world, submit, rf):
    submit(grade=EXCELLENT)
    model_admin = admin_site._registry[Evaluation]
    request = rf.get("/admin/registrations/evaluation/")
    request.user = world.superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    client = Client()
    client.force_login(world.superuser)
    response = client.get("/admin/registrations/evaluation/")
    assert response.status_code == 200 and world.member.user.name in response.content.decode()
