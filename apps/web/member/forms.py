"""Forms of the member pages: the "near my home" filters (checked here, applied by the lists' FilterSets, the API's
own), a group claim's branch or team and the check-in position."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from apps.activities.models import ActivityCategory
from apps.core.forms import Form
from apps.orgs.models import PartyOrg
from apps.places.coords import CoordSystem
from apps.teams.models import Team
from apps.wishes.models import WishCategory

KIND_ALL = "all"
KIND_WISHES = "wishes"
KIND_ACTIVITIES = "activities"

STATUS_OPEN = "open"
STATUS_ALL = "all"

# Radii a member picks from, in metres (the FilterSets accept 1 m to 50 km).
RADIUS_CHOICES = [
    (1000, _("1 km")),
    (3000, _("3 km")),
    (5000, _("5 km")),
    (10000, _("10 km")),
    (20000, _("20 km")),
    (50000, _("50 km")),
]
DEFAULT_RADIUS_M = 5000

# One select for both kinds: "wish.<category>" or "activity.<category>"; choosing one implies the kind.
WISH_PREFIX = "wish."
ACTIVITY_PREFIX = "activity."
CATEGORY_MISMATCH = _("This category does not belong to the kind chosen.")


def _category_choices():
    return [
        ("", _("All categories")),
        (_("Micro-wishes"), [(WISH_PREFIX + value, label) for value, label in WishCategory.choices]),
        (_("Volunteer activities"), [(ACTIVITY_PREFIX + value, label) for value, label in ActivityCategory.choices]),
    ]


class NearbyFilterForm(Form):
    """The GET form of the member's home page. `wish_params()` / `activity_params()` give the query parameters of
    apps.wishes.filters.WishFilter / apps.activities.filters.ActivityFilter (which do the filtering and validate once
    more), or None when the kind or category leaves that list out."""

    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (KIND_ALL, _("Wishes and activities")),
            (KIND_WISHES, _("Wishes")),
            (KIND_ACTIVITIES, _("Activities")),
        ],
    )
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_category_choices)
    radius = forms.TypedChoiceField(
        label=_("Within"), required=False, coerce=int, choices=RADIUS_CHOICES, empty_value=DEFAULT_RADIUS_M
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(STATUS_OPEN, _("Open only")), (STATUS_ALL, _("Also those I claimed or joined"))],
    )

    DEFAULTS = {"kind": KIND_ALL, "radius": str(DEFAULT_RADIUS_M), "status": STATUS_OPEN}

    def __init__(self, data=None, **kwargs):
        # Always bound: a first visit (or a page link without filters) is the defaults, shown selected in the form.
        merged = QueryDict(mutable=True)
        merged.update(self.DEFAULTS)
        for key in data or {}:
            merged.setlist(key, data.getlist(key) if hasattr(data, "getlist") else [data[key]])
        super().__init__(merged, **kwargs)

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or KIND_ALL
        category = data.get("category") or ""
        if category.startswith(WISH_PREFIX) and kind == KIND_ACTIVITIES:
            self.add_error("category", CATEGORY_MISMATCH)
        if category.startswith(ACTIVITY_PREFIX) and kind == KIND_WISHES:
            self.add_error("category", CATEGORY_MISMATCH)
        data["kind"] = kind
        data["status"] = data.get("status") or STATUS_OPEN
        return data

    def _params(self, *, prefix, other_prefix, kind, open_status, home):
        data = self.cleaned_data
        category = data.get("category") or ""
        if data["kind"] not in (KIND_ALL, kind) or category.startswith(other_prefix):
            return None
        params = {
            "latitude": str(home[0]),
            "longitude": str(home[1]),
            "radius": str(data.get("radius") or DEFAULT_RADIUS_M),
            "coord_system": "wgs84",
        }
        if category:
            params["category"] = category[len(prefix) :]
        if data["status"] == STATUS_OPEN:
            params["status"] = [open_status]  # a multiple-choice filter
        return params

    def wish_params(self, home):
        return self._params(
            prefix=WISH_PREFIX, other_prefix=ACTIVITY_PREFIX, kind=KIND_WISHES, open_status="published", home=home
        )

    def activity_params(self, home):
        return self._params(
            prefix=ACTIVITY_PREFIX, other_prefix=WISH_PREFIX, kind=KIND_ACTIVITIES, open_status="open", home=home
        )


class CheckinCodeForm(Form):
    """The code the staff show on site (also what a scanned QR code fills in)."""

    code = forms.CharField(
        label=_("Check-in code"),
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )


class WishClaimForm(Form):
    """A claim's optional branch or team, as the API's claim takes them (`as_branch`, `as_team`): an existing Party
    organization or volunteer team; whether the member may claim for it is the service's rule (wish_claim)."""

    as_branch = forms.ModelChoiceField(queryset=PartyOrg.objects.all(), required=False)
    as_team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)


class CheckinPositionForm(Form):
    """The position member.js fills in, within the bounds the API's check-in takes (wgs84 when no system is given)."""

    latitude = forms.FloatField(min_value=-90, max_value=90)
    longitude = forms.FloatField(min_value=-180, max_value=180)
    coord_system = forms.TypedChoiceField(choices=CoordSystem.choices, required=False, empty_value=CoordSystem.WGS84)
    accuracy_m = forms.FloatField(min_value=0, required=False)


class _IdsField(forms.Field):
    """Several ids from checkboxes of one name."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return [int(v) for v in value or ()]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("Choose members from the list."), code="invalid") from exc


class TeamSignUpForm(Form):
    """The leader's team sign-up: the team and the members ticked (checked again by the service)."""

    team = forms.IntegerField(min_value=1)
    members = _IdsField()
