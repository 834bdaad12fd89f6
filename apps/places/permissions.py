"""Who may change the geography tree, built on apps.accounts.scope."""

from apps.accounts.scope import scope_for
from apps.places import errors
from apps.places.models import Community, District, Street


def _district_id(parent):
    if isinstance(parent, District):
        return parent.pk
    if isinstance(parent, Street):
        return parent.district_id
    return parent.street.district_id


def may_manage_under(actor, parent):
    """A district administrator manages what lies in its district; a street administrator the communities and
    grids of its street (not the street itself); a superuser everything. `parent` is the node a place sits under."""
    scope = scope_for(actor)
    if scope.is_superuser or _district_id(parent) in scope.district_ids:
        return True
    if isinstance(parent, Street):
        return parent.pk in scope.street_ids
    if isinstance(parent, Community):
        return parent.street_id in scope.street_ids
    return False


def require_manage_under(actor, parent):
    if actor is not None and not may_manage_under(actor, parent):
        raise errors.not_your_area()
