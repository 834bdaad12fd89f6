"""apps.wishes.privacy: what of the resident a viewer is shown, the one rule behind the API's answers and the pages
(tests/wishes/test_privacy.py checks it through the API, tests/web/test_member_pages.py through the wish page)."""

import pytest

from apps.wishes.models import ClaimStatus, Wish, WishClaim
from apps.wishes.privacy import ShownResident, claim_resident, resident_shown, wish_resident
from tests.wishes.conftest import RESIDENT_ADDRESS, RESIDENT_NAME, RESIDENT_PHONE

MASKED = "张**"
FULL = ShownResident(name=RESIDENT_NAME, phone=RESIDENT_PHONE, address=RESIDENT_ADDRESS)
NAME_ONLY = ShownResident(name=RESIDENT_NAME, phone=None, address=None)
HIDDEN = ShownResident(name=MASKED, phone=None, address=None)


def _wish(**flags):
    wish = Wish(resident_name=RESIDENT_NAME, resident_phone=RESIDENT_PHONE, resident_address=RESIDENT_ADDRESS)
    for name, value in flags.items():
        setattr(wish, name, value)
    return wish


def test_in_full_a_single_wish_shows_everything_and_a_list_the_name_only():
    assert resident_shown(_wish(), full=True) == FULL
    assert resident_shown(_wish(), full=True, contact=False) == NAME_ONLY


@pytest.mark.parametrize("contact", [True, False])
def test_otherwise_the_masked_name_alone(contact):
    assert resident_shown(_wish(), full=False, contact=contact) == HIDDEN


def test_a_wish_follows_the_selectors_flag_and_without_it_is_masked():
    assert wish_resident(_wish(sees_resident=True)) == FULL
    assert wish_resident(_wish(sees_resident=True), contact=False) == NAME_ONLY
    assert wish_resident(_wish(sees_resident=False)) == HIDDEN
    assert wish_resident(_wish()) == HIDDEN  # a wish not read through the selectors


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (ClaimStatus.ACTIVE, NAME_ONLY),
        (ClaimStatus.COMPLETED, NAME_ONLY),
        (ClaimStatus.RELEASED, HIDDEN),
    ],
)
def test_a_claim_in_my_claims_names_the_resident_while_it_is_held(status, shown):
    assert claim_resident(WishClaim(wish=_wish(), status=status)) == shown
