"""Reads of registrations, posts, post claims, pairings and evaluations, each scoped to what the user may see."""

from collections import defaultdict
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from apps.accounts.scope import scope_for
from apps.core.errors import NotFound
from apps.ledger.selectors import day_bounds, register_audit_scope
from apps.orgs.models import Member
from apps.registrations import errors
from apps.registrations.models import Evaluation, Pairing, Post, PostClaim, Registration, RegistrationStatus
from apps.registrations.permissions import (
    evaluation_visible_q,
    post_claim_visible_q,
    receipt_visible_q,
    registration_visible_q,
    require_community_staff,
)

_REGISTRATION_RELATED = (
    "member__user",
    "member__organ",
    "member__branch",
    "community",
    "grid",
    "decided_by",
)


def member_of(user):
    """The user's active member profile, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Member.objects.filter(user=user, is_active=True).select_related("user").first()


def registration_list(*, user):
    return Registration.objects.filter(registration_visible_q(user)).select_related(*_REGISTRATION_RELATED)


def registration_list_mine(*, user):
    """The member's registrations, current and past (a move closes one and opens the next)."""
    scope = scope_for(user)
    if scope.member_id is None:
        return Registration.objects.none()
    return Registration.objects.filter(member_id=scope.member_id).select_related(*_REGISTRATION_RELATED)


def registration_list_without_post(*, user):
    """Confirmed registrations whose member holds no post in that community (每人至少认领一个岗位)."""
    holds_post_here = PostClaim.objects.filter(
        member_id=OuterRef("member_id"), post__community_id=OuterRef("community_id"), released_at__isnull=True
    )
    return registration_list(user=user).filter(status=RegistrationStatus.CONFIRMED).filter(~Exists(holds_post_here))


def registration_receipt_get(*, user, registration_id):
    """The confirmed registration behind a receipt; NotFound when unseen or not (yet) confirmed."""
    registration = (
        Registration.objects.filter(receipt_visible_q(user), pk=registration_id)
        .select_related(*_REGISTRATION_RELATED)
        .first()
    )
    if registration is None:
        raise NotFound()
    if registration.status != RegistrationStatus.CONFIRMED:
        raise errors.receipt_not_issued()
    return registration


_CERTIFICATE_RELATED = (*_REGISTRATION_RELATED, "community__street__district")
_CODE_MAX = Registration._meta.get_field("verification_code").max_length


def registration_certificate_get(*, user, registration_id):
    """The registration whose certificate (报到证 with its 回执) the user may print: the receipt's readers (the
    member, the community's staff, the member's organ reviewers and branch secretaries). NotFound when unseen;
    Invalid (422) registration_not_confirmed unless it is confirmed and in force (a closed one is not printed again)."""
    registration = (
        Registration.objects.filter(receipt_visible_q(user), pk=registration_id)
        .select_related(*_CERTIFICATE_RELATED)
        .first()
    )
    if registration is None:
        raise NotFound()
    if registration.status != RegistrationStatus.CONFIRMED:
        raise errors.registration_not_confirmed()
    return registration


def registration_get_by_code(*, code):
    """The registration with this verification code, for the public validity page: anyone may check one, so this
    is not scoped (the page shows masked facts only). NotFound registration_code_unknown otherwise."""
    code = str(code or "")
    registration = None
    if 0 < len(code) <= _CODE_MAX:
        registration = (
            Registration.objects.filter(verification_code=code, receipt_number__isnull=False)
            .select_related(*_CERTIFICATE_RELATED)
            .first()
        )
    if registration is None:
        raise errors.registration_code_unknown()
    return registration


def registration_posts_held(registration):
    """The standing posts the member holds in the registration's community (设岗认岗), oldest claim first."""
    return list(
        PostClaim.objects.filter(
            member_id=registration.member_id, post__community_id=registration.community_id, released_at__isnull=True
        )
        .select_related("post")
        .order_by("claimed_at", "id")
    )


def _open_claims():
    open_claims = PostClaim.objects.filter(released_at__isnull=True)
    return open_claims.select_related("member__user").order_by("claimed_at", "id")


def post_list(*, user):
    """Every post with its current holders: the public roll (公示) any signed-in user may read."""
    if not user.is_authenticated:
        return Post.objects.none()
    return (
        Post.objects.select_related("community")
        .order_by("community_id", "kind", "id")
        .annotate(holder_count=Count("claims", filter=Q(claims__released_at__isnull=True)))
        .prefetch_related(Prefetch("claims", queryset=_open_claims(), to_attr="open_claims"))
    )


def post_claim_list(*, user):
    return PostClaim.objects.filter(post_claim_visible_q(user)).select_related("post__community", "member__user")


def post_claim_open_get(*, post, member):
    return PostClaim.objects.filter(post=post, member=member, released_at__isnull=True).select_related("post").first()


def pairing_list(*, user):
    if not user.is_authenticated:
        return Pairing.objects.none()
    return Pairing.objects.select_related("organ", "party_org", "community", "created_by")


def pairing_active_q(on):
    """Pairings running on the date `on`."""
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


# --- evaluations -----------------------------------------------------------------------------------------------

FIRST_EVALUATION_YEAR = 2000
_EVALUATION_RELATED = ("member__user", "member__organ", "member__branch", "community", "evaluated_by")
_EVALUATION_FILTERS = frozenset({"year", "community", "member", "grade", "organ", "branch"})


def require_evaluation_year(year):
    """A year-end review is for a year that has begun: from 2000 up to the current (local) year."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise errors.evaluation_year_invalid()
    if not FIRST_EVALUATION_YEAR <= year <= timezone.localdate().year:
        raise errors.evaluation_year_invalid()


def registered_during_q(year, prefix=""):
    """On a Registration queryset (or through `prefix`, e.g. "registrations__"): registrations that were confirmed
    and in force at some time during the local calendar `year`. Confirmation set `decided_at` (a rejection sets it
    too, hence the status); moving away set `closed_at` and the status MOVED, the receipt staying on the row."""
    start, end = day_bounds(date(year, 1, 1), date(year, 12, 31))
    return Q(
        **{
            f"{prefix}status__in": (RegistrationStatus.CONFIRMED, RegistrationStatus.MOVED),
            f"{prefix}receipt_number__isnull": False,
            f"{prefix}decided_at__lt": end,
        }
    ) & (Q(**{f"{prefix}closed_at__isnull": True}) | Q(**{f"{prefix}closed_at__gte": start}))


def member_registered_during(*, member, community, year):
    return Registration.objects.filter(registered_during_q(year), member=member, community=community).exists()


def evaluation_list(*, user, filters=None):
    """The evaluations the user may read (see permissions.evaluation_visible_q), optionally narrowed by `filters`:
    a dict of year, community, member, organ, branch (ids or objects) and grade."""
    filters = dict(filters or {})
    unknown = set(filters) - _EVALUATION_FILTERS
    if unknown:
        raise TypeError(f"evaluation_list() got unexpected filters: {', '.join(sorted(unknown))}")
    queryset = Evaluation.objects.filter(evaluation_visible_q(user)).select_related(*_EVALUATION_RELATED)
    lookups = {"organ": "member__organ", "branch": "member__branch"}
    return queryset.filter(**{lookups.get(name, name): value for name, value in filters.items()})


def evaluation_get(*, user, evaluation_id):
    evaluation = evaluation_list(user=user).filter(pk=evaluation_id).first()
    if evaluation is None:
        raise NotFound()
    return evaluation


def evaluations_for_members(*, member_ids, year):
    """{member_id: [Evaluation, ...]} of `year` for the given members (unscoped: the caller has scoped the members),
    each with its community loaded; one query. Members without an evaluation are absent."""
    found = defaultdict(list)
    queryset = Evaluation.objects.filter(member_id__in=list(member_ids), year=year).select_related("community")
    for evaluation in queryset.order_by("member_id", "community_id", "id"):
        found[evaluation.member_id].append(evaluation)
    return dict(found)


def evaluation_candidates(*, user, community, year):
    """For the community's staff: the members they may evaluate for `year` (a registration with the community in
    force during the year; never the staff member themselves), each with `year_evaluations` (the existing
    evaluation, if any, in a list) and `still_registered` (a confirmed registration there now). Ordered by name."""
    require_community_staff(user, community.pk)
    require_evaluation_year(year)
    scope = scope_for(user)
    registered = Registration.objects.filter(registered_during_q(year), member=OuterRef("pk"), community=community)
    still_registered = Registration.objects.filter(
        member=OuterRef("pk"), community=community, status=RegistrationStatus.CONFIRMED
    )
    existing = Evaluation.objects.filter(community=community, year=year).select_related("evaluated_by")
    return (
        Member.objects.filter(Exists(registered))
        .exclude(user_id=scope.user_id)
        .annotate(still_registered=Exists(still_registered))
        .select_related("user", "organ", "branch")
        .prefetch_related(Prefetch("evaluations", queryset=existing, to_attr="year_evaluations"))
        .order_by("user__name", "pk")
    )


# Whoever may read an evaluation, a registration, a post or a pairing may read its history (for users whom the audit
# trail admits at all).
register_audit_scope("registrations.evaluation", lambda user: evaluation_list(user=user))
register_audit_scope("registrations.registration", lambda user: registration_list(user=user))
register_audit_scope("registrations.post", lambda user: post_list(user=user))
register_audit_scope("registrations.pairing", lambda user: pairing_list(user=user))
