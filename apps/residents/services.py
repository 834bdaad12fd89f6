"""Every write on residents' requests: the code to confirm one, submitting it, the decision on it (选单) and the
resident's rating (验单). Each is transactional and audited.

received → accepted (a new wish, through apps.wishes.services.wish_create) | merged (into an open wish of the grid)
| declined (with a reason the resident reads). Submitting geocodes the address and re-encodes the photo before the
transaction opens (an external geocoder can take seconds, which must not hold the write lock).
"""

import logging
import secrets
import unicodedata
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts import codes, sms
from apps.accounts.models import CodePurpose
from apps.accounts.services import normalize_phone
from apps.core.errors import DomainError, Invalid, NotFound
from apps.core.images import clean_image
from apps.core.masking import mask_phone
from apps.core.text import clean_model_text, clean_text
from apps.ledger.services import audit_log
from apps.notifications import events as notification_events
from apps.places import errors as place_errors
from apps.places.geocoding import normalize_address, resolve_address
from apps.residents import errors
from apps.residents.models import WISH_STATUSES, RequestStatus, ResidentRequest
from apps.residents.permissions import may_merge_into, require_decider
from apps.wishes import services as wish_services
from apps.wishes.models import Beneficiary, Wish, WishForm, WishStatus

logger = logging.getLogger(__name__)

# Wishes a request may join: not closed, and not yet reported fulfilled (the resident would have nothing to follow).
MERGEABLE_WISH_STATUSES = (WishStatus.DRAFT, WishStatus.PENDING_REVIEW, WishStatus.PUBLISHED, WishStatus.CLAIMED)
DONE_WISH_STATUSES = (WishStatus.FULFILLED, WishStatus.CONFIRMED)
TOKEN_BYTES = 24  # 192 random bits: the tracking link cannot be guessed
TRACKING_TEXT = _("Dual Reporting: your request to %(community)s was received. Follow it here: %(url)s")

_COMMENT_MAX = ResidentRequest._meta.get_field("resident_comment").max_length
_REASON_MAX = ResidentRequest._meta.get_field("decline_reason").max_length


# --- helpers ----------------------------------------------------------------------------------------------------


def _audit(*, actor, request, action, before, reason="", **extra):
    audit_log(
        actor=actor,
        subject=request,
        action=action,
        before=None if before is None else {"status": str(before)},
        after={"status": str(request.status), **extra},
        reason=reason,
    )


def _locked(request):
    return ResidentRequest.objects.select_for_update().get(pk=request.pk)


def _require_received(request):
    if request.status != RequestStatus.RECEIVED:
        raise errors.request_not_received(request.status)


def _required(model_field, value, *, code, message):
    value = clean_model_text(ResidentRequest, model_field, value)
    if not value:
        raise Invalid(code, message)
    return value


def need_key(text):
    """A need as the duplicate check compares it: compatibility forms folded (NFKC), no whitespace, case folded."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def _limit(name, default):
    return int(getattr(settings, name, default))


def tracking_path(request):
    return reverse("residents:track", args=[request.token])


def _deliver(phone, text):
    """on_commit callback: text the tracking link. A failure is logged (class only) and the page shows the link."""
    try:
        sms.send_sms(phone, text)
    except Exception as exc:
        logger.error("Sending a tracking link to %s failed (%s)", mask_phone(phone), type(exc).__name__)


# --- the resident -----------------------------------------------------------------------------------------------


def _over_number_limit(phone, now):
    limit = _limit("RESIDENT_REQUESTS_PER_NUMBER_PER_DAY", 3)
    since = now - timedelta(days=1)
    return limit > 0 and ResidentRequest.objects.filter(phone=phone, created_at__gt=since).count() >= limit


def _over_address_limit(address_key, now):
    limit = _limit("RESIDENT_REQUESTS_PER_ADDRESS_PER_DAY", 5)
    since = now - timedelta(days=1)
    return limit > 0 and ResidentRequest.objects.filter(address_key=address_key, created_at__gt=since).count() >= limit


def resident_request_code_send(*, phone, ip):
    """Step 1 of the order form: a one-time code to the resident's number (apps.accounts.codes.code_send, with its
    own limits). A number that already used up today's requests gets no code, and is told so."""
    phone = normalize_phone(phone)
    if _over_number_limit(phone, timezone.now()):
        raise errors.request_rate_limited(by_address=False)
    codes.code_send(phone=phone, purpose=CodePurpose.RESIDENT_REQUEST, ip=ip)
    return phone


def _open_requests_of(phone):
    """The number's requests still open: waiting for a decision, or in a wish that is not closed yet."""
    return (
        ResidentRequest.objects.filter(phone=phone)
        .exclude(status=RequestStatus.DECLINED)
        .exclude(
            status__in=WISH_STATUSES, wish__status__in=(WishStatus.CONFIRMED, WishStatus.EXPIRED, WishStatus.CANCELLED)
        )
    )


def resident_request_submit(
    *, name, phone, code, address, need, photo=None, via_community=None, site_url="", geocoder=None, now=None
):
    """Step 2: the resident's request, confirmed by the code sent to `phone`; returns the request (its `token` is
    the tracking link's secret, also sent by text message after the commit).

    Refused, writing nothing: a bad number (invalid_phone), no name (name_required) or need (need_required), text
    too long (text_too_long), a file that is not an image (invalid_image, image_too_large), an address the geocoder
    cannot place (address_required, address_not_found, address_outside_service_area), a wrong, used or expired code
    (code_*; a wrong try is counted), the same need from the same number while the first is open
    (request_duplicate), more than RESIDENT_REQUESTS_PER_NUMBER_PER_DAY from the number or
    RESIDENT_REQUESTS_PER_ADDRESS_PER_DAY for the address in 24 hours (request_rate_limited).

    `via_community` is the community of the poster it came through (audited); the request belongs to the
    community and grid of the address. One transaction, like every service, but not the decorator: a wrong code's
    try must stay counted although the call fails (as apps.accounts.codes.password_set_with_code).
    """
    phone = normalize_phone(phone)
    name = _required("name", name, code="name_required", message=errors.NAME_REQUIRED)
    need = _required("need", need, code="need_required", message=errors.NEED_REQUIRED)
    address = clean_model_text(ResidentRequest, "address", address)
    if not address:
        raise place_errors.address_required()
    photo = clean_image(photo)
    place = resolve_address(address, geocoder=geocoder)
    with transaction.atomic():
        request, wrong_try = _submit(
            name=name,
            phone=phone,
            code=code,
            address=address,
            need=need,
            photo=photo,
            place=place,
            via_community=via_community,
            site_url=site_url,
            now=now or timezone.now(),
        )
    if wrong_try is not None:
        raise wrong_try
    return request


def _submit(*, name, phone, code, address, need, photo, place, via_community, site_url, now):
    """(request, None) when it was created, (None, error) for a wrong code (counted); raises when nothing changed."""
    wrong_try = codes.code_verify(phone=phone, purpose=CodePurpose.RESIDENT_REQUEST, code=code, now=now)
    if wrong_try is not None:
        return None, wrong_try
    # The code proved the number: from here a refusal rolls the code's use back, so the resident may correct and
    # send again with the same code.
    key = need_key(need)
    for existing in _open_requests_of(phone).order_by("-created_at"):
        if need_key(existing.need) == key:
            raise errors.request_duplicate(existing)
    address_key = normalize_address(address)[: ResidentRequest._meta.get_field("address_key").max_length]
    if _over_number_limit(phone, now):
        raise errors.request_rate_limited(by_address=False)
    if _over_address_limit(address_key, now):
        raise errors.request_rate_limited(by_address=True)
    request = ResidentRequest(
        community=place.community,
        grid=place.grid,
        name=name,
        phone=phone,
        address=address,
        address_key=address_key,
        need=need,
        token=secrets.token_urlsafe(TOKEN_BYTES),
    )
    request.photo = photo or ""
    request.save()
    _audit(
        actor=None,
        request=request,
        action="request",
        before=None,
        community=place.community.pk,
        grid=place.grid.pk if place.grid else None,
        via_community=via_community.pk if via_community is not None else None,
    )
    notification_events.resident_request_received(request=request)
    base = (getattr(settings, "SITE_URL", "") or site_url or "").rstrip("/")
    text = str(TRACKING_TEXT % {"community": place.community.name, "url": f"{base}{tracking_path(request)}"})
    transaction.on_commit(partial(_deliver, phone, text))
    logger.info("Resident request %s received from %s", request.pk, mask_phone(phone))
    return request, None


@transaction.atomic
def resident_request_rate(*, token, rating, comment="", now=None):
    """验单: the resident rates the service once its wish is fulfilled (or confirmed), 1-5 with a comment; once."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise errors.rating_invalid()
    comment = clean_text(comment, max_length=_COMMENT_MAX, field="comment", code="comment_too_long")
    request = ResidentRequest.objects.select_for_update().filter(token=str(token or "")).first()
    if request is None:
        raise NotFound()
    wish_status = Wish.objects.filter(pk=request.wish_id).values_list("status", flat=True).first()
    if request.status not in WISH_STATUSES or wish_status not in DONE_WISH_STATUSES:
        raise errors.request_not_done()
    if request.resident_rating is not None:
        raise errors.request_already_rated()
    request.resident_rating = rating
    request.resident_comment = comment
    request.rated_at = now or timezone.now()
    request.save(update_fields=["resident_rating", "resident_comment", "rated_at", "updated_at"])
    _audit(actor=None, request=request, action="rate", before=request.status, reason=comment, rating=rating)
    return request


# --- the grid worker or the community's staff (选单) -------------------------------------------------------------


def _decided(request, *, actor, status, now, wish=None, reason=""):
    request.status = status
    request.wish = wish
    request.decided_by = actor
    request.decided_at = now
    request.decline_reason = reason
    request.save(update_fields=["status", "wish", "decided_by", "decided_at", "decline_reason", "updated_at"])


@transaction.atomic
def resident_request_accept(
    *,
    request,
    actor,
    title,
    category,
    deadline,
    grid=None,
    story="",
    form=WishForm.MATERIAL,
    beneficiary=Beneficiary.INDIVIDUAL,
    residents_count=1,
    estimated_value=0,
    use_photo=False,
    publish=False,
    now=None,
):
    """Accept the request into a new wish (apps.wishes.services.wish_create, with its rules: a grid worker's wish
    waits for the community's verification, staff save a draft or publish at once). The wish keeps the resident's
    name, number and address like every wish; the request's photo goes with it only if `use_photo`. `grid`: the
    request's grid by default (the staff choose one when the address fell in a community without grids)."""
    require_decider(actor, request)
    request = _locked(request)
    _require_received(request)
    now = now or timezone.now()
    grid = grid or request.grid
    if grid is None:
        raise Invalid("grid_required", errors.GRID_REQUIRED)
    wish = wish_services.wish_create(
        actor=actor,
        grid=grid,
        community=request.community,
        title=title,
        category=category,
        deadline=deadline,
        story=story,
        form=form,
        beneficiary=beneficiary,
        residents_count=residents_count,
        estimated_value=estimated_value,
        resident_name=request.name,
        resident_phone=request.phone,
        resident_address=request.address,
        photo=request.photo if use_photo and request.photo else None,
        publish=publish,
        now=now,
    )
    _decided(request, actor=actor, status=RequestStatus.ACCEPTED, now=now, wish=wish)
    _audit(actor=actor, request=request, action="accept", before=RequestStatus.RECEIVED, wish=wish.pk)
    return request


def _phone_or_blank(phone):
    try:
        return normalize_phone(phone)
    except DomainError:
        return ""


def _is_another_resident(request, wish):
    """Whether the request's resident is not yet among the wish's: residents are told apart by their mobile number
    (a request's is confirmed by a code), against the wish's resident's and those of the requests already in it."""
    known = set(
        ResidentRequest.objects.filter(wish=wish, status__in=WISH_STATUSES)
        .exclude(pk=request.pk)
        .values_list("phone", flat=True)
    )
    known.add(_phone_or_blank(wish.resident_phone))
    return request.phone not in known


@transaction.atomic
def resident_request_merge(*, request, actor, wish, now=None):
    """Merge the request into an open wish of its community (a grid worker: of their grid) that asks for the same:
    the resident then follows that wish. A request of another resident (another mobile number than the wish's
    resident's and those of the requests already merged) adds one resident to the wish
    (apps.wishes.services.wish_resident_add: a wish for one resident becomes a group wish); the same resident asking
    again adds nobody."""
    require_decider(actor, request)
    request = _locked(request)
    _require_received(request)
    wish = Wish.objects.select_for_update().get(pk=wish.pk)
    if not may_merge_into(actor, request, wish):
        raise errors.wish_elsewhere()
    if wish.status not in MERGEABLE_WISH_STATUSES:
        raise errors.wish_not_mergeable(wish.status)
    another = _is_another_resident(request, wish)
    if another:
        wish = wish_services.wish_resident_add(wish=wish, actor=actor)
    _decided(request, actor=actor, status=RequestStatus.MERGED, now=now or timezone.now(), wish=wish)
    _audit(
        actor=actor,
        request=request,
        action="merge",
        before=RequestStatus.RECEIVED,
        wish=wish.pk,
        residents_count=wish.residents_count,
        another_resident=another,
    )
    return request


@transaction.atomic
def resident_request_decline(*, request, actor, reason, now=None):
    """Decline the request with a reason the resident reads on the tracking page."""
    require_decider(actor, request)
    reason = clean_text(reason, max_length=_REASON_MAX, field="reason", code="reason_too_long")
    if not reason:
        raise Invalid("reason_required", errors.REASON_REQUIRED)
    request = _locked(request)
    _require_received(request)
    _decided(request, actor=actor, status=RequestStatus.DECLINED, now=now or timezone.now(), reason=reason)
    _audit(actor=actor, request=request, action="decline", before=RequestStatus.RECEIVED, reason=reason)
    return request
