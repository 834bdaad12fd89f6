"""Writes on the geography tree: streets, communities and grids, created or changed (imports, management pages)."""

from django.db import transaction

from apps.core.text import clean_model_text
from apps.ledger.services import audit_log
from apps.places import errors
from apps.places.coords import validate_point
from apps.places.models import Community, CommunityKind, District, GazetteerEntry, Grid, Street
from apps.places.permissions import require_manage_under

# The parent field of each level of the tree.
PARENT_FIELD = {Street: "district", Community: "street", Grid: "community"}


@transaction.atomic
def place_save(*, model, code, parent, fields, actor=None):
    """Create the place with this code under `parent`, or change the existing one to these values.

    `fields` holds the other columns (name, latitude, longitude, address, ...). Whoever saves must manage the
    parent, and, for a place moving to another parent, its current parent too. Audited. Returns (place, created).
    """
    require_manage_under(actor, parent)
    if model is Community and "kind" in fields:
        fields["kind"] = _kind(fields["kind"])
    code = clean_model_text(model, "code", code)
    fields = {name: clean_model_text(model, name, v) if isinstance(v, str) else v for name, v in fields.items()}
    parent_field = PARENT_FIELD[model]
    place = model.objects.select_for_update().filter(code=code).first()
    if place is None:
        place = model.objects.create(code=code, **{parent_field: parent}, **fields)
        audit_log(actor=actor, subject=place, action="place_create", after={"code": code, **fields})
        return place, True
    if getattr(place, f"{parent_field}_id") != parent.pk:
        require_manage_under(actor, getattr(place, parent_field))
    before = {name: getattr(place, name) for name in fields} | {parent_field: getattr(place, f"{parent_field}_id")}
    for name, value in fields.items():
        setattr(place, name, value)
    setattr(place, parent_field, parent)
    place.save()
    after = {name: getattr(place, name) for name in fields} | {parent_field: parent.pk}
    audit_log(actor=actor, subject=place, action="place_update", before=before, after=after)
    return place, False


def _kind(kind):
    if kind not in CommunityKind.values:
        raise errors.place_kind_invalid()
    return kind


@transaction.atomic
def community_set_kind(*, community, kind, actor=None):
    """Say what kind of place a community is (residential community, village, enterprise, other): whoever manages
    its street may. Registrations already made stay; new ones match only residential communities and villages.
    Audited."""
    kind = _kind(kind)
    require_manage_under(actor, community.street)
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.kind == kind:
        return community
    before = community.kind
    community.kind = kind
    community.save(update_fields=["kind", "updated_at"])
    audit_log(actor=actor, subject=community, action="place_update", before={"kind": before}, after={"kind": kind})
    return community


@transaction.atomic
def place_boundary_set(*, place, polygon, actor=None):
    """Set a community's or grid's boundary: a closed ring of [longitude, latitude] pairs in WGS-84 (checked by the
    caller: valid, holding the centre point). Whoever manages the place's parent may. Audited (the ring's size, not
    the ring: the place keeps it)."""
    parent = place.community if isinstance(place, Grid) else place.street
    require_manage_under(actor, parent)
    place = type(place).objects.select_for_update().get(pk=place.pk)
    before = len(place.polygon) if place.polygon else 0
    place.polygon = polygon
    place.save(update_fields=["polygon", "updated_at"])
    audit_log(
        actor=actor, subject=place, action="boundary_set", before={"points": before}, after={"points": len(polygon)}
    )
    return place


@transaction.atomic
def district_create(*, code, name, latitude, longitude, actor=None):
    """Put a district on the platform (a superuser, once per district; everything under it is imported)."""
    from apps.accounts.scope import scope_for
    from apps.core.errors import Conflict, Forbidden, Invalid

    if actor is not None and not scope_for(actor).is_superuser:
        raise Forbidden()
    code, name = clean_model_text(District, "code", code), clean_model_text(District, "name", name)
    if not code or not name:
        raise Invalid("district_fields_required", errors.DISTRICT_FIELDS_REQUIRED)
    latitude, longitude = validate_point(latitude, longitude)
    if District.objects.filter(code=code).exists():
        raise Conflict("place_code_taken", errors.PLACE_CODE_TAKEN)
    district = District.objects.create(code=code, name=name, latitude=latitude, longitude=longitude)
    audit_log(actor=actor, subject=district, action="place_create", after={"code": code, "name": name})
    return district


@transaction.atomic
def gazetteer_entry_save(*, name, kind, community, latitude, longitude, actor=None):
    """Create or change the place name the offline address lookup knows (matched on the name). One that lies in a
    community is the business of whoever manages the community's street; one without (a long road) of the
    district's administrators. Audited. Returns the entry."""
    from apps.accounts.scope import scope_for
    from apps.core.errors import Forbidden

    if community is not None:
        require_manage_under(actor, community.street)
    elif actor is not None and not (scope_for(actor).is_superuser or scope_for(actor).district_ids):
        raise Forbidden("place_not_in_your_area", errors.NOT_YOUR_AREA)
    name = clean_model_text(GazetteerEntry, "name", name)
    latitude, longitude = validate_point(latitude, longitude)
    fields = {"kind": kind, "community": community, "latitude": latitude, "longitude": longitude}
    entry = GazetteerEntry.objects.select_for_update().filter(name=name).first()
    if entry is None:
        entry = GazetteerEntry.objects.create(name=name, **fields)
        audit_log(actor=actor, subject=entry, action="place_create", after={"name": name, "kind": kind})
        return entry
    if entry.community is not None and entry.community_id != getattr(community, "pk", None):
        require_manage_under(actor, entry.community.street)
    before = {
        "kind": entry.kind,
        "community": entry.community_id,
        "latitude": entry.latitude,
        "longitude": entry.longitude,
    }
    for field, value in fields.items():
        setattr(entry, field, value)
    entry.save()
    after = {"kind": kind, "community": getattr(community, "pk", None), "latitude": latitude, "longitude": longitude}
    audit_log(actor=actor, subject=entry, action="place_update", before=before, after=after)
    return entry
