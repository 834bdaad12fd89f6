"""What a viewer is shown of a wish's resident: the name, phone and address in full, or the masked name alone; and
in lists the name only, never the phone or address (docs/privacy.md).

Who may see the resident in full is decided once, by the selector's `sees_resident` flag
(apps.wishes.permissions.sees_resident_q) or, in "my claims", by the claim's status; the API's serializers and the
pages show what these functions return, so neither face holds a copy of the rule.
"""

from dataclasses import dataclass

from apps.core.masking import mask_name
from apps.wishes.contact_views import shows_contact
from apps.wishes.permissions import CURRENT_CLAIM_STATUSES


@dataclass(frozen=True)
class ShownResident:
    name: str
    phone: str | None
    address: str | None


def resident_shown(wish, *, full, contact=True):
    """The resident as the viewer may see them: everything (`full`), or the masked name only (never the phone or
    address).

    `contact=False` (lists): the name as above but never the phone or address, which only a single wish's answer or
    page carries, so that every showing of them is recorded (apps.wishes.contact_views).
    """
    if not full:
        return ShownResident(name=mask_name(wish.resident_name), phone=None, address=None)
    if not contact:
        return ShownResident(name=wish.resident_name, phone=None, address=None)
    return ShownResident(name=wish.resident_name, phone=wish.resident_phone, address=wish.resident_address)


def wish_resident(wish, *, contact=True):
    """The resident of a wish read through the selectors (apps.wishes.selectors.wish_list), as its `sees_resident`
    flag allows; without the flag, masked."""
    return resident_shown(wish, full=shows_contact(wish), contact=contact)


def claim_resident(claim):
    """The resident of a claim's wish in a list of the user's claims: the name while the claim is theirs (current),
    masked once it was released or lost; never the phone or address."""
    return resident_shown(claim.wish, full=claim.status in CURRENT_CLAIM_STATUSES, contact=False)
