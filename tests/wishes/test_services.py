"""The wish lifecycle through its services: every transition, every refusal, the claim rules and the records written."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from apps.core.errors import Conflict, Forbidden, Invalid
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.selectors import subject_type_of
from apps.orgs import services as org_services
from apps.registrations.models import RegistrationStatus
from apps.wishes import errors, services
from apps.wishes.models import (
    Beneficiary,
    ClaimStatus,
    Wish,
    WishCategory,
    WishClaim,
    WishParticipant,
    WishStatus,
)
from tests import factories as f
from tests.wishes.conftest import RESIDENT_NAME, WishClaimFactory, image_bytes, upload

pytestmark = pytest.mark.django_db


def _create(w, actor, **kwargs):
    data = {
        "grid": w.grid,
        "title": "为视障老人读报",
        "category": "elderly",
        "form": "non_material",
        "resident_name": RESIDENT_NAME,
        "resident_phone": "13912345678",
        "deadline": timezone.now() + timedelta(days=7),
        "estimated_value": 0,
    }
    data.update(kwargs)
    return services.wish_create(actor=actor, **data)


def _code(excinfo):
    return excinfo.value.code


def _actions(wish):
    return list(
        AuditEntry.objects.filter(subject_type=subject_type_of(wish), subject_id=wish.pk).values_list(
            "action", flat=True
        )
    )


# --- create -----------------------------------------------------------------------------------------------------


class TestCreate:
    def test_staff_creates_a_draft(self, w):
        wish = _create(w, w.staff)
        assert wish.status == WishStatus.DRAFT
        assert wish.community == w.community and wish.created_by == w.staff and wish.published_at is None
        assert _actions(wish) == ["create"]

    def test_staff_may_publish_directly(self, w):
        wish = _create(w, w.staff, publish=True)
        assert wish.status == WishStatus.PUBLISHED
        assert wish.verified_by == w.staff and wish.published_at is not None
        assert _actions(wish) == ["create", "publish"]

    def test_grid_worker_wish_waits_for_verification(self, w):
        wish = _create(w, w.grid_worker)
        assert wish.status == WishStatus.PENDING_REVIEW

    def test_grid_worker_cannot_publish_directly(self, w):
        with pytest.raises(Forbidden) as exc:
            _create(w, w.grid_worker, publish=True)
        assert _code(exc) == "not_community_staff"
        assert not Wish.objects.exists()

    @pytest.mark.parametrize("who", ["member", "secretary", "reviewer", "street_admin", "outsider", "other_staff"])
    def test_others_cannot_post_a_wish(self, w, who):
        actor = w.other_staff if who == "other_staff" else w.user(who)
        with pytest.raises(Forbidden) as exc:
            _create(w, actor)
        assert _code(exc) == "not_wish_poster"

    def test_grid_worker_of_another_grid_cannot_post_here(self, w):
        grid2 = f.GridFactory(community=w.community)
        with pytest.raises(Forbidden):
            _create(w, w.grid_worker, grid=grid2)

    def test_grid_must_be_in_the_community(self, w):
        with pytest.raises(Invalid) as exc:
            _create(w, w.staff, community=w.other_community)
        assert _code(exc) == "grid_not_in_community"

    def test_value_above_the_cap_is_refused(self, w, settings):
        settings.WISH_MAX_VALUE = 300
        with pytest.raises(Invalid) as exc:
            _create(w, w.staff, estimated_value=Decimal("300.01"))
        assert _code(exc) == "wish_value_over_cap"
        assert _create(w, w.staff, estimated_value=300).estimated_value == Decimal("300")

    def test_negative_value_is_refused(self, w):
        with pytest.raises(Invalid) as exc:
            _create(w, w.staff, estimated_value=-1)
        assert _code(exc) == "wish_value_negative"

    def test_deadline_must_be_in_the_future(self, w):
        with pytest.raises(Invalid) as exc:
            _create(w, w.staff, deadline=timezone.now() - timedelta(minutes=1))
        assert _code(exc) == "deadline_not_future"

    def test_title_and_resident_name_are_required(self, w):
        with pytest.raises(Invalid) as exc:
            _create(w, w.staff, title="  ")
        assert _code(exc) == "title_required"
        with pytest.raises(Invalid) as exc:
            _create(w, w.staff, resident_name="")
        assert _code(exc) == "resident_name_required"

    @pytest.mark.parametrize(
        ("beneficiary", "count", "ok"),
        [(Beneficiary.INDIVIDUAL, 1, True), (Beneficiary.INDIVIDUAL, 3, False), (Beneficiary.GROUP, 1, False)],
    )
    def test_residents_count_matches_beneficiary(self, w, beneficiary, count, ok):
        if ok:
            assert _create(w, w.staff, beneficiary=beneficiary, residents_count=count).residents_count == count
        else:
            with pytest.raises(Invalid) as exc:
                _create(w, w.staff, beneficiary=beneficiary, residents_count=count)
            assert _code(exc) == "residents_count_invalid"

    def test_unknown_category_is_a_validation_error(self, w):
        with pytest.raises(ValidationError):
            _create(w, w.staff, category="luxury")

    def test_photo_is_stored_under_a_generated_name(self, w):
        wish = _create(w, w.staff, photo=upload("JPEG", name="../../etc/passwd.jpg", content_type="image/jpeg"))
        assert wish.photo.name.startswith("wishes/") and wish.photo.name.endswith(".jpg")
        assert "passwd" not in wish.photo.name
        # Re-encoded (apps/core/images.py; tests/core/test_images.py), so not the same bytes: the same picture.
        with wish.photo.open("rb") as stored, Image.open(stored) as image:
            assert (image.format, image.size) == ("JPEG", (8, 8))


class TestImages:
    # A WebP photo without transparency is stored as JPEG (apps/core/images.py).
    @pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
    def test_accepted_formats(self, fmt):
        assert services.clean_image(upload(fmt)).name.endswith({"PNG": ".png", "JPEG": ".jpg", "WEBP": ".jpg"}[fmt])

    def test_gif_is_refused(self):
        with pytest.raises(Invalid) as exc:
            services.clean_image(upload("GIF"))
        assert _code(exc) == "invalid_image"

    def test_not_an_image_is_refused_whatever_its_name(self):
        with pytest.raises(Invalid) as exc:
            services.clean_image(upload(name="photo.png", content=b"<?php echo 1; ?>"))
        assert _code(exc) == "invalid_image"

    def test_truncated_image_is_refused(self):
        with pytest.raises(Invalid) as exc:
            services.clean_image(upload(content=image_bytes("PNG")[:40]))
        assert _code(exc) == "invalid_image"

    def test_too_large_is_refused(self, settings):
        settings.UPLOAD_MAX_BYTES = 100
        with pytest.raises(Invalid) as exc:
            services.clean_image(upload(content=image_bytes("PNG", size=(200, 200)) + b"\0" * 200))
        assert _code(exc) == "image_too_large"


# --- submit, verify, publish ---------------------------------------------------------------------------------------


class TestSubmitVerifyPublish:
    def test_submit_moves_a_draft_to_review(self, w):
        wish = services.wish_submit(wish=_create(w, w.staff), actor=w.staff)
        assert wish.status == WishStatus.PENDING_REVIEW

    def test_grid_worker_submits_a_draft_of_their_grid(self, w):
        wish = w.wish(status=WishStatus.DRAFT)
        assert services.wish_submit(wish=wish, actor=w.grid_worker).status == WishStatus.PENDING_REVIEW

    def test_submit_needs_a_draft(self, w):
        with pytest.raises(Conflict) as exc:
            services.wish_submit(wish=w.wish(status=WishStatus.PUBLISHED), actor=w.staff)
        assert _code(exc) == "wish_not_draft" and exc.value.extra == {"status": "published"}

    def test_submit_by_a_member_is_forbidden(self, w):
        with pytest.raises(Forbidden):
            services.wish_submit(wish=w.wish(status=WishStatus.DRAFT), actor=w.member.user)

    def test_staff_verify_a_grid_workers_wish(self, w):
        wish = services.wish_verify(wish=_create(w, w.grid_worker), actor=w.staff)
        assert wish.status == WishStatus.PUBLISHED and wish.verified_by == w.staff
        assert _actions(wish) == ["create", "verify"]

    def test_grid_worker_cannot_verify(self, w):
        with pytest.raises(Forbidden) as exc:
            services.wish_verify(wish=_create(w, w.grid_worker), actor=w.grid_worker)
        assert _code(exc) == "not_community_staff"

    def test_verify_needs_pending_review(self, w):
        with pytest.raises(Conflict) as exc:
            services.wish_verify(wish=w.wish(status=WishStatus.DRAFT), actor=w.staff)
        assert _code(exc) == "wish_not_pending_review"

    @pytest.mark.parametrize("state", [WishStatus.DRAFT, WishStatus.PENDING_REVIEW])
    def test_publish_from_draft_or_review(self, w, state):
        wish = services.wish_publish(wish=w.wish(status=state), actor=w.staff)
        assert wish.status == WishStatus.PUBLISHED and wish.published_at is not None

    @pytest.mark.parametrize("state", [WishStatus.PUBLISHED, WishStatus.CLAIMED, WishStatus.CANCELLED])
    def test_publish_from_other_states_is_409(self, w, state):
        with pytest.raises(Conflict) as exc:
            services.wish_publish(wish=w.wish(status=state), actor=w.staff)
        assert _code(exc) == "wish_not_publishable"

    def test_publish_past_deadline_is_409(self, w):
        wish = w.wish(status=WishStatus.DRAFT)
        Wish.objects.filter(pk=wish.pk).update(deadline=timezone.now() - timedelta(hours=1))
        with pytest.raises(Conflict) as exc:
            services.wish_publish(wish=wish, actor=w.staff)
        assert _code(exc) == "wish_deadline_passed"

    def test_staff_of_another_community_cannot_publish(self, w):
        with pytest.raises(Forbidden):
            services.wish_publish(wish=w.wish(status=WishStatus.DRAFT), actor=w.other_staff)


# --- claim ------------------------------------------------------------------------------------------------------


class TestClaim:
    def test_registered_member_claims(self, w, settings):
        settings.WISH_CLAIM_DAYS = 5
        wish = w.wish()
        claim = services.wish_claim(wish=wish, actor=w.member.user)
        wish.refresh_from_db()
        assert wish.status == WishStatus.CLAIMED
        assert claim.member == w.member and claim.branch is None and claim.claimed_by == w.member.user
        assert claim.status == ClaimStatus.ACTIVE
        assert claim.claim_deadline - claim.claimed_at == timedelta(days=5)
        assert _actions(wish) == ["claim"]

    def test_second_claim_gets_409_wish_already_claimed(self, w):
        wish = w.claimed()
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=wish, actor=w.teammate.user)
        assert _code(exc) == "wish_already_claimed"
        assert WishClaim.objects.filter(wish=wish).count() == 1

    @pytest.mark.parametrize("state", [WishStatus.DRAFT, WishStatus.PENDING_REVIEW, WishStatus.EXPIRED])
    def test_claiming_an_unpublished_wish_is_409(self, w, state):
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=w.wish(status=state), actor=w.member.user)
        assert _code(exc) == "wish_not_published" and exc.value.extra == {"status": state}

    def test_claiming_past_the_deadline_is_409(self, w):
        wish = w.wish()
        Wish.objects.filter(pk=wish.pk).update(deadline=timezone.now() - timedelta(minutes=1))
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=wish, actor=w.member.user)
        assert _code(exc) == "wish_deadline_passed"

    @pytest.mark.parametrize("who", ["staff", "outsider", "reviewer"])
    def test_only_members_claim(self, w, who):
        with pytest.raises(Forbidden) as exc:
            services.wish_claim(wish=w.wish(), actor=w.user(who))
        assert _code(exc) == "not_a_member"

    def test_inactive_member_cannot_claim(self, w):
        type(w.member).objects.filter(pk=w.member.pk).update(is_active=False)
        with pytest.raises(Forbidden) as exc:
            services.wish_claim(wish=w.wish(), actor=f.UserFactory._meta.model.objects.get(pk=w.member.user_id))
        assert _code(exc) == "not_a_member"

    def test_member_registered_elsewhere_is_not_eligible(self, w):
        with pytest.raises(Forbidden) as exc:
            services.wish_claim(wish=w.wish(), actor=w.other_member.user)
        assert _code(exc) == "not_eligible_to_claim"

    def test_pending_registration_does_not_make_eligible(self, w):
        member = f.MemberFactory()
        f.RegistrationFactory(member=member, grid=w.grid, status=RegistrationStatus.PENDING)
        with pytest.raises(Forbidden):
            services.wish_claim(wish=w.wish(), actor=member.user)

    def test_member_of_a_paired_organ_is_eligible(self, w):
        f.PairingFactory(organ=w.other_organ, community=w.community, starts_on=timezone.localdate())
        services.wish_claim(wish=w.wish(), actor=w.other_member.user)

    @pytest.mark.parametrize(("start", "end"), [(-30, -1), (1, 30)])
    def test_pairing_not_running_today_does_not_make_eligible(self, w, start, end):
        today = timezone.localdate()
        f.PairingFactory(
            organ=w.other_organ,
            community=w.community,
            starts_on=today + timedelta(days=start),
            ends_on=today + timedelta(days=end),
        )
        with pytest.raises(Forbidden) as exc:
            services.wish_claim(wish=w.wish(), actor=w.other_member.user)
        assert _code(exc) == "not_eligible_to_claim"

    def test_city_scope_lets_any_member_claim(self, w, settings):
        settings.WISH_CLAIM_SCOPE = "city"
        unregistered = f.MemberFactory()
        services.wish_claim(wish=w.wish(), actor=unregistered.user)

    def test_claim_limit(self, w, settings):
        settings.WISH_MAX_OPEN_CLAIMS = 2
        w.claimed()
        w.claimed()
        wish = w.wish()
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=wish, actor=w.member.user)
        assert _code(exc) == "claim_limit_reached" and exc.value.extra == {"limit": 2}
        wish.refresh_from_db()
        assert wish.status == WishStatus.PUBLISHED

    def test_released_and_fulfilled_claims_do_not_count(self, w, settings):
        settings.WISH_MAX_OPEN_CLAIMS = 1
        services.wish_release(wish=w.claimed(), actor=w.member.user)
        w.fulfilled()
        services.wish_claim(wish=w.wish(), actor=w.member.user)

    def test_branch_secretary_claims_for_the_branch(self, w):
        f.PairingFactory(organ=w.organ, community=w.community)
        wish = w.wish()
        claim = services.wish_claim(wish=wish, actor=w.secretary, as_branch=w.branch)
        assert claim.branch == w.branch and claim.member is None and claim.claimed_by == w.secretary

    def test_branch_is_eligible_through_a_registered_member(self, w):
        services.wish_claim(wish=w.wish(), actor=w.secretary, as_branch=w.branch)

    def test_branch_not_paired_nor_registered_is_not_eligible(self, w):
        with pytest.raises(Forbidden) as exc:
            services.wish_claim(wish=w.wish(grid=w.other_grid), actor=w.secretary, as_branch=w.branch)
        assert _code(exc) == "not_eligible_to_claim"

    @pytest.mark.parametrize("who", ["member", "reviewer", "staff"])
    def test_only_the_branch_secretary_claims_for_it(self, w, who):
        with pytest.raises(Forbidden) as exc:
            services.wish_claim(wish=w.wish(), actor=w.user(who), as_branch=w.branch)
        assert _code(exc) == "not_branch_secretary"

    def test_secretary_cannot_claim_as_a_committee(self, w):
        committee = f.committee_of(w.organ)
        f.RoleFactory(user=w.secretary, role="branch_secretary", party_org=committee)
        w.secretary.__dict__.pop("_scope_cache", None)
        with pytest.raises(Forbidden):
            services.wish_claim(wish=w.wish(), actor=w.secretary, as_branch=committee)

    def test_branch_claim_limit(self, w, settings):
        settings.WISH_MAX_OPEN_CLAIMS = 1
        w.group_claimed()
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=w.wish(), actor=w.secretary, as_branch=w.branch)
        assert _code(exc) == "claim_limit_reached"

    def test_unique_active_claim_backstop_gives_the_same_409_and_rolls_back(self, w):
        # An inconsistent row (an active claim on a published wish) can only come from outside the services; the
        # partial unique index still refuses a second active claim, and nothing is half-written.
        wish = w.wish()
        WishClaimFactory(wish=wish, member=w.teammate)
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=wish, actor=w.member.user)
        assert _code(exc) == "wish_already_claimed"
        wish.refresh_from_db()
        assert wish.status == WishStatus.PUBLISHED
        assert WishClaim.objects.filter(wish=wish).count() == 1


# --- release, revoke, overdue ------------------------------------------------------------------------------------


class TestRelease:
    def test_claimant_releases(self, w):
        wish = services.wish_release(wish=w.claimed(), actor=w.member.user, reason="临时出差")
        assert wish.status == WishStatus.PUBLISHED
        claim = WishClaim.objects.get(wish=wish)
        assert claim.status == ClaimStatus.RELEASED and claim.released_at and claim.release_reason == "临时出差"
        assert _actions(wish) == ["claim", "release"]
        # Open again for someone else.
        services.wish_claim(wish=wish, actor=w.teammate.user)

    def test_someone_else_cannot_release(self, w):
        wish = w.claimed()
        for actor in (w.teammate.user, w.staff, w.secretary):
            with pytest.raises(Forbidden) as exc:
                services.wish_release(wish=wish, actor=actor)
            assert _code(exc) == "not_claimant"

    def test_release_needs_a_claimed_wish(self, w):
        with pytest.raises(Conflict) as exc:
            services.wish_release(wish=w.wish(), actor=w.member.user)
        assert _code(exc) == "wish_not_claimed"

    def test_branch_secretary_releases_a_group_claim(self, w):
        wish = services.wish_release(wish=w.group_claimed(), actor=w.secretary)
        assert wish.status == WishStatus.PUBLISHED

    def test_member_of_the_branch_cannot_release_a_group_claim(self, w):
        with pytest.raises(Forbidden):
            services.wish_release(wish=w.group_claimed(), actor=w.member.user)

    def test_staff_revoke_with_a_reason(self, w):
        wish = services.wish_revoke(wish=w.claimed(), actor=w.staff, reason="认领人联系不上")
        assert wish.status == WishStatus.PUBLISHED
        assert WishClaim.objects.get(wish=wish).release_reason == "认领人联系不上"
        assert _actions(wish)[-1] == "revoke"

    def test_revoke_needs_a_reason(self, w):
        with pytest.raises(Invalid) as exc:
            services.wish_revoke(wish=w.claimed(), actor=w.staff, reason=" ")
        assert _code(exc) == "reason_required"

    def test_revoke_by_non_staff_is_forbidden(self, w):
        with pytest.raises(Forbidden):
            services.wish_revoke(wish=w.claimed(), actor=w.grid_worker, reason="x")

    def test_revoke_needs_a_claimed_wish(self, w):
        with pytest.raises(Conflict) as exc:
            services.wish_revoke(wish=w.wish(), actor=w.staff, reason="x")
        assert _code(exc) == "wish_not_claimed"

    def test_overdue_claims_are_released(self, w):
        overdue = w.claimed()
        on_time = w.claimed(w.teammate)
        WishClaim.objects.filter(wish=overdue).update(claim_deadline=timezone.now() - timedelta(minutes=1))
        assert services.wish_release_overdue_claims() == 1
        overdue.refresh_from_db()
        on_time.refresh_from_db()
        assert overdue.status == WishStatus.PUBLISHED and on_time.status == WishStatus.CLAIMED
        assert WishClaim.objects.get(wish=overdue).status == ClaimStatus.RELEASED
        entry = AuditEntry.objects.filter(subject_id=overdue.pk, action="release_overdue").get()
        assert entry.actor is None
        assert services.wish_release_overdue_claims() == 0

    def test_overdue_job_uses_the_given_time(self, w):
        w.claimed()
        assert services.wish_release_overdue_claims(now=timezone.now() + timedelta(days=13)) == 0
        assert services.wish_release_overdue_claims(now=timezone.now() + timedelta(days=15)) == 1


# --- fulfil -------------------------------------------------------------------------------------------------------


class TestFulfil:
    def test_claimant_fulfils_with_note_and_photo(self, w):
        wish = services.wish_fulfil(wish=w.claimed(), actor=w.member.user, note="已送达", photo=upload("PNG"))
        assert wish.status == WishStatus.FULFILLED and wish.fulfilled_at and wish.fulfil_note == "已送达"
        assert wish.fulfil_photo.name.endswith(".png")
        assert WishClaim.objects.get(wish=wish).status == ClaimStatus.COMPLETED

    def test_note_is_required(self, w):
        with pytest.raises(Invalid) as exc:
            services.wish_fulfil(wish=w.claimed(), actor=w.member.user, note="")
        assert _code(exc) == "note_required"

    def test_invalid_photo_is_refused_and_nothing_changes(self, w):
        wish = w.claimed()
        with pytest.raises(Invalid):
            services.wish_fulfil(wish=wish, actor=w.member.user, note="ok", photo=upload(content=b"nope"))
        wish.refresh_from_db()
        assert wish.status == WishStatus.CLAIMED

    def test_only_the_claimant_fulfils(self, w):
        with pytest.raises(Forbidden) as exc:
            services.wish_fulfil(wish=w.claimed(), actor=w.teammate.user, note="ok")
        assert _code(exc) == "not_claimant"

    def test_fulfil_needs_a_claimed_wish(self, w):
        with pytest.raises(Conflict) as exc:
            services.wish_fulfil(wish=w.wish(), actor=w.member.user, note="ok")
        assert _code(exc) == "wish_not_claimed"

    def test_overdue_claim_cannot_be_fulfilled(self, w):
        wish = w.claimed()
        WishClaim.objects.filter(wish=wish).update(claim_deadline=timezone.now() - timedelta(minutes=1))
        with pytest.raises(Conflict) as exc:
            services.wish_fulfil(wish=wish, actor=w.member.user, note="ok")
        assert _code(exc) == "claim_overdue"

    def test_group_claim_names_participants(self, w):
        wish = services.wish_fulfil(
            wish=w.group_claimed(), actor=w.secretary, note="支部党员一起探望", participants=[w.member, w.teammate]
        )
        claim = WishClaim.objects.get(wish=wish)
        assert set(WishParticipant.objects.filter(claim=claim).values_list("member", flat=True)) == {
            w.member.pk,
            w.teammate.pk,
        }

    def test_group_claim_needs_participants(self, w):
        with pytest.raises(Invalid) as exc:
            services.wish_fulfil(wish=w.group_claimed(), actor=w.secretary, note="ok", participants=[])
        assert _code(exc) == "participants_required"

    def test_participants_must_be_of_the_branch(self, w):
        with pytest.raises(Invalid) as exc:
            services.wish_fulfil(
                wish=w.group_claimed(), actor=w.secretary, note="ok", participants=[w.member, w.other_member]
            )
        assert _code(exc) == "participant_not_in_branch"

    def test_member_claim_takes_no_participants(self, w):
        with pytest.raises(Invalid) as exc:
            services.wish_fulfil(wish=w.claimed(), actor=w.member.user, note="ok", participants=[w.teammate])
        assert _code(exc) == "participants_not_allowed"


# --- confirm ----------------------------------------------------------------------------------------------------


class TestConfirm:
    def test_confirm_writes_the_claimants_approved_record(self, w, settings):
        settings.WISH_SERVICE_MINUTES = 90
        wish = w.fulfilled(beneficiary=Beneficiary.GROUP, residents_count=3, grid=w.grid, category=WishCategory.STUDY)
        wish = services.wish_confirm(wish=wish, actor=w.staff, rating=5, comment="老人很满意")
        assert wish.status == WishStatus.CONFIRMED and wish.rating == 5 and wish.rating_comment == "老人很满意"
        assert wish.confirmed_by == w.staff and wish.confirmed_at
        record = ServiceRecord.objects.get()
        assert record.member == w.member and record.status == RecordStatus.APPROVED
        assert (record.organ, record.branch) == (w.organ, w.branch)
        assert (record.community, record.grid) == (w.community, w.grid)
        assert (record.source, record.source_id) == (ServiceSource.WISH, wish.pk)
        assert record.credited_minutes == 90 and record.residents_served == 3
        assert record.category == ServiceCategory.STUDY  # the wish's category
        assert record.ended_at == wish.fulfilled_at and record.started_at == wish.fulfilled_at - timedelta(minutes=90)
        assert record.decided_by == w.staff
        assert _actions(wish) == ["claim", "fulfil", "confirm"]

    def test_group_confirm_writes_a_record_per_participant(self, w):
        wish = services.wish_fulfil(
            wish=w.group_claimed(), actor=w.secretary, note="ok", participants=[w.member, w.teammate]
        )
        services.wish_confirm(wish=wish, actor=w.staff, rating=4)
        records = ServiceRecord.objects.filter(source=ServiceSource.WISH, source_id=wish.pk)
        assert set(records.values_list("member", flat=True)) == {w.member.pk, w.teammate.pk}
        assert all(r.status == RecordStatus.APPROVED for r in records)
        # The wish's residents are counted once across the group's records, not once per participant.
        assert sum(r.residents_served for r in records) == wish.residents_count

    def test_record_keeps_the_branch_at_the_time_of_service(self, w):
        wish = w.fulfilled()
        new_branch = f.BranchFactory(organ=w.other_organ)
        org_services.member_move(member=w.member, branch=new_branch, on=timezone.localdate() + timedelta(days=1))
        services.wish_confirm(wish=wish, actor=w.staff, rating=5)
        record = ServiceRecord.objects.get()
        assert (record.organ, record.branch) == (w.organ, w.branch)

    @pytest.mark.parametrize("rating", [0, 6, "5", True, None])
    def test_rating_must_be_1_to_5(self, w, rating):
        wish = w.fulfilled()
        with pytest.raises(Invalid) as exc:
            services.wish_confirm(wish=wish, actor=w.staff, rating=rating)
        assert _code(exc) == "rating_invalid"
        assert not ServiceRecord.objects.exists()

    def test_staff_cannot_confirm_their_own_service(self, w):
        staff_member = f.MemberFactory(branch=w.branch, user=w.staff)
        f.RegistrationFactory(member=staff_member, grid=w.grid)
        w.staff.__dict__.pop("_scope_cache", None)
        wish = w.fulfilled(staff_member)
        with pytest.raises(Forbidden) as exc:
            services.wish_confirm(wish=wish, actor=w.staff, rating=5)
        assert _code(exc) == "own_service"
        assert not ServiceRecord.objects.exists()

    def test_participant_cannot_confirm_the_group_service(self, w):
        f.RoleFactory(user=w.teammate.user, role="community_staff", community=w.community)
        wish = services.wish_fulfil(wish=w.group_claimed(), actor=w.secretary, note="ok", participants=[w.teammate])
        with pytest.raises(Forbidden) as exc:
            services.wish_confirm(wish=wish, actor=w.teammate.user, rating=5)
        assert _code(exc) == "own_service"

    def test_secretary_who_claimed_cannot_confirm(self, w):
        f.RoleFactory(user=w.secretary, role="community_staff", community=w.community)
        w.secretary.__dict__.pop("_scope_cache", None)
        wish = services.wish_fulfil(wish=w.group_claimed(), actor=w.secretary, note="ok", participants=[w.member])
        with pytest.raises(Forbidden) as exc:
            services.wish_confirm(wish=wish, actor=w.secretary, rating=5)
        assert _code(exc) == "own_service"

    @pytest.mark.parametrize("who", ["grid_worker", "street_admin", "member", "other_staff"])
    def test_only_the_communitys_staff_confirm(self, w, who):
        actor = w.other_staff if who == "other_staff" else w.user(who)
        with pytest.raises(Forbidden) as exc:
            services.wish_confirm(wish=w.fulfilled(), actor=actor, rating=5)
        assert _code(exc) == "not_community_staff"

    def test_confirm_needs_a_fulfilled_wish(self, w):
        with pytest.raises(Conflict) as exc:
            services.wish_confirm(wish=w.claimed(), actor=w.staff, rating=5)
        assert _code(exc) == "wish_not_fulfilled"

    def test_confirm_twice_is_409_and_writes_one_record(self, w):
        wish = w.fulfilled()
        services.wish_confirm(wish=wish, actor=w.staff, rating=5)
        with pytest.raises(Conflict):
            services.wish_confirm(wish=wish, actor=w.superuser, rating=5)
        assert ServiceRecord.objects.count() == 1


# --- cancel and expire -------------------------------------------------------------------------------------------


class TestCancelAndExpire:
    @pytest.mark.parametrize(
        "state",
        [WishStatus.DRAFT, WishStatus.PENDING_REVIEW, WishStatus.PUBLISHED, WishStatus.FULFILLED],
    )
    def test_staff_cancel_any_open_state(self, w, state):
        wish = services.wish_cancel(wish=w.wish(status=state), actor=w.staff, reason="居民已搬走")
        assert wish.status == WishStatus.CANCELLED and wish.closed_reason == "居民已搬走"

    def test_cancel_releases_the_active_claim(self, w):
        wish = services.wish_cancel(wish=w.claimed(), actor=w.staff, reason="居民已搬走")
        claim = WishClaim.objects.get(wish=wish)
        assert claim.status == ClaimStatus.RELEASED and claim.release_reason == "居民已搬走"

    @pytest.mark.parametrize("state", [WishStatus.CONFIRMED, WishStatus.EXPIRED, WishStatus.CANCELLED])
    def test_cancel_a_closed_wish_is_409(self, w, state):
        with pytest.raises(Conflict) as exc:
            services.wish_cancel(wish=w.wish(status=state), actor=w.staff, reason="x")
        assert _code(exc) == "wish_not_open"

    def test_cancel_needs_a_reason_and_staff(self, w):
        with pytest.raises(Invalid):
            services.wish_cancel(wish=w.wish(), actor=w.staff, reason="")
        with pytest.raises(Invalid) as exc:
            services.wish_cancel(wish=w.wish(), actor=w.staff, reason="长" * 201)
        assert _code(exc) == "reason_too_long"
        with pytest.raises(Forbidden):
            services.wish_cancel(wish=w.wish(), actor=w.grid_worker, reason="x")

    def test_expire_due_expires_only_published_wishes_past_deadline(self, w):
        past = timezone.now() - timedelta(hours=1)
        due = w.wish()
        not_due = w.wish()
        claimed = w.claimed()
        draft = w.wish(status=WishStatus.DRAFT)
        Wish.objects.filter(pk__in=[due.pk, claimed.pk, draft.pk]).update(deadline=past)
        assert services.wish_expire_due() == 1
        states = dict(Wish.objects.values_list("pk", "status"))
        assert states[due.pk] == WishStatus.EXPIRED
        assert states[not_due.pk] == WishStatus.PUBLISHED
        assert states[claimed.pk] == WishStatus.CLAIMED
        assert states[draft.pk] == WishStatus.DRAFT
        assert AuditEntry.objects.get(subject_id=due.pk, action="expire").actor is None
        assert services.wish_expire_due() == 0

    def test_expire_due_at_a_given_time(self, w):
        w.wish()
        assert services.wish_expire_due(now=timezone.now() + timedelta(days=11)) == 1

    def test_expire_before_the_deadline_is_409(self, w):
        with pytest.raises(Conflict) as exc:
            services.wish_expire(wish=w.wish(), actor=w.staff)
        assert _code(exc) == "wish_not_due"

    def test_expire_needs_published(self, w):
        with pytest.raises(Conflict) as exc:
            services.wish_expire(wish=w.claimed(), now=timezone.now() + timedelta(days=30))
        assert _code(exc) == "wish_not_published"


def test_full_lifecycle_is_audited_with_before_and_after(w):
    wish = _create(w, w.grid_worker)
    wish = services.wish_verify(wish=wish, actor=w.staff)
    services.wish_claim(wish=wish, actor=w.member.user)
    wish = services.wish_fulfil(wish=wish, actor=w.member.user, note="ok")
    services.wish_confirm(wish=wish, actor=w.staff, rating=5)
    entries = list(AuditEntry.objects.filter(subject_type=subject_type_of(wish), subject_id=wish.pk))
    assert [(e.action, (e.before or {}).get("status"), e.after["status"]) for e in entries] == [
        ("create", None, "pending_review"),
        ("verify", "pending_review", "published"),
        ("claim", "published", "claimed"),
        ("fulfil", "claimed", "fulfilled"),
        ("confirm", "fulfilled", "confirmed"),
    ]
    assert [e.actor for e in entries] == [w.grid_worker, w.staff, w.member.user, w.member.user, w.staff]


def test_error_messages_are_the_module_constants(w):
    with pytest.raises(Conflict) as exc:
        services.wish_release(wish=w.wish(), actor=w.member.user)
    assert exc.value.message == errors.WISH_NOT_CLAIMED


def test_expire_by_a_person_needs_the_communitys_staff(w):
    wish = w.wish()
    later = timezone.now() + timedelta(days=30)
    with pytest.raises(Forbidden):
        services.wish_expire(wish=wish, actor=w.grid_worker, now=later)
    assert services.wish_expire(wish=wish, actor=w.staff, now=later).status == WishStatus.EXPIRED


# --- a lifecycle told at its own times (the demo's history) -----------------------------------------------------


def test_each_step_takes_the_moment_it_is_given(w):
    posted = timezone.now() - timedelta(days=40)
    claimed, fulfilled, confirmed = (posted + timedelta(days=d) for d in (1, 4, 5))
    wish = services.wish_create(
        actor=w.staff,
        grid=w.grid,
        title="为独居老人送米送油",
        category=WishCategory.DAILY,
        resident_name="王秀英",
        deadline=posted + timedelta(days=20),
        publish=True,
        now=posted,
    )
    claim = services.wish_claim(wish=wish, actor=w.member.user, now=claimed)
    wish = services.wish_fulfil(wish=wish, actor=w.member.user, note="已送到。", now=fulfilled)
    wish = services.wish_confirm(wish=wish, actor=w.staff, rating=5, now=confirmed)
    assert (wish.published_at, claim.claimed_at, wish.fulfilled_at, wish.confirmed_at) == (
        posted,
        claimed,
        fulfilled,
        confirmed,
    )
    assert claim.claim_deadline == claimed + timedelta(days=14)
    record = ServiceRecord.objects.get(source=ServiceSource.WISH, source_id=wish.pk)
    assert (record.ended_at, record.category) == (fulfilled, ServiceCategory.DAILY)


def test_a_claim_at_a_past_moment_is_judged_on_that_day(w):
    today = timezone.localdate()
    f.PairingFactory(organ=w.other_organ, community=w.community, starts_on=today - timedelta(days=10))
    with pytest.raises(Forbidden) as exc:  # the pairing had not started yet
        services.wish_claim(wish=w.wish(), actor=w.other_member.user, now=timezone.now() - timedelta(days=20))
    assert _code(exc) == "not_eligible_to_claim"
    services.wish_claim(wish=w.wish(), actor=w.other_member.user, now=timezone.now() - timedelta(days=5))


def test_a_claim_given_back_and_a_withdrawal_keep_their_moments(w):
    claimed = timezone.now() - timedelta(days=8)
    wish = w.wish()
    first = services.wish_claim(wish=wish, actor=w.member.user, now=claimed)
    services.wish_release(wish=wish, actor=w.member.user, reason="临时出差", now=claimed + timedelta(days=1))
    second = services.wish_claim(wish=wish, actor=w.teammate.user, now=claimed + timedelta(days=2))
    services.wish_cancel(wish=wish, actor=w.staff, reason="家属已自行解决", now=claimed + timedelta(days=3))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.released_at) == (ClaimStatus.RELEASED, claimed + timedelta(days=1))
    assert (second.status, second.released_at) == (ClaimStatus.RELEASED, claimed + timedelta(days=3))
