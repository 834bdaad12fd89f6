"""Forms of the desk pages. Field shapes mirror the API's input serializers; the domain rules stay in the services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.activities import selectors as activity_selectors
from apps.activities.models import Activity, ActivityCategory, ActivityStatus, Attendance, Audience
from apps.core.forms import Form
from apps.core.text import REASON_MAX
from apps.places.coords import CoordSystem
from apps.places.models import Community, Grid
from apps.registrations.models import RegistrationStatus
from apps.stats import glossary
from apps.teams.models import Team
from apps.wishes.models import Beneficiary, Wish, WishCategory, WishForm, WishStatus

# <input type="datetime-local"> sends "2026-11-30T09:00"; the value is read in the current time zone (aware).
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _datetime_field(label, *, required=True, help_text=""):
    return forms.DateTimeField(
        label=label, required=required, input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput(), help_text=help_text
    )


def _max_length(model, name):
    return model._meta.get_field(name).max_length


def grids_for(scope):
    """The grids a desk user may post in: every grid of their communities, and the grids they work."""
    grids = Grid.objects.select_related("community").order_by("community__code", "code")
    if scope.is_superuser:
        return grids
    return grids.filter(community__in=scope.staff_community_ids) | grids.filter(pk__in=scope.grid_ids)


def communities_for(scope):
    """The communities a desk user works in: staff's communities, and those of the grids a worker works."""
    communities = Community.objects.order_by("code")
    if scope.is_superuser:
        return communities
    return communities.filter(pk__in=scope.staff_community_ids) | communities.filter(grids__in=scope.grid_ids)


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.community.name} · {obj.name}"


# --- registrations --------------------------------------------------------------------------------------------


class RegistrationFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=RegistrationStatus.choices, required=False, initial=RegistrationStatus.PENDING
    )


# --- wishes ---------------------------------------------------------------------------------------------------


class WishFilterForm(Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + WishStatus.choices, required=False)


class WishCreateForm(Form):
    """The fields of the API's WishCreateInputSerializer (the value cap, the deadline and the resident count are the
    service's rules and come back as its errors)."""

    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none())
    title = forms.CharField(label=_("Title"), max_length=_max_length(Wish, "title"))
    story = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=_max_length(Wish, "story"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = forms.ChoiceField(label=_("Category"), choices=WishCategory.choices)
    wish_form = forms.ChoiceField(label=_("Kind"), choices=WishForm.choices, initial=WishForm.MATERIAL)
    beneficiary = forms.ChoiceField(label=_("For"), choices=Beneficiary.choices, initial=Beneficiary.INDIVIDUAL)
    residents_count = forms.IntegerField(label=glossary.lazy_label("residents_served"), min_value=1, initial=1)
    estimated_value = forms.DecimalField(
        label=_("Estimated value (yuan)"), max_digits=8, decimal_places=2, min_value=0, initial=0
    )
    resident_name = forms.CharField(label=_("Resident's name"), max_length=_max_length(Wish, "resident_name"))
    resident_phone = forms.CharField(
        label=_("Resident's phone"),
        max_length=_max_length(Wish, "resident_phone"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    resident_address = forms.CharField(
        label=_("Resident's address"), max_length=_max_length(Wish, "resident_address"), required=False
    )
    deadline = _datetime_field(_("Deadline"))
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("Optional: a JPEG, PNG or WebP image."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    publish = forms.BooleanField(label=_("Publish at once"), required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids_for(scope)
        if not (scope.is_superuser or scope.staff_community_ids):
            # A grid worker's wish waits for the community's verification: no publishing.
            del self.fields["publish"]


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


# --- activities -----------------------------------------------------------------------------------------------


class ActivityFilterForm(Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + ActivityStatus.choices, required=False)
    hours = forms.ChoiceField(
        label=_("Hours"), choices=[("", _("All")), ("pending", _("Awaiting approval"))], required=False
    )


class TeamChoiceField(forms.ModelChoiceField):
    """A volunteer team, named with its organ."""

    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.organ.name}"


class ActivityCreateForm(Form):
    """The fields of the API's ActivityCreateInputSerializer."""

    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    title = forms.CharField(label=_("Title"), max_length=_max_length(Activity, "title"))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=_max_length(Activity, "description"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = forms.ChoiceField(label=_("Category"), choices=ActivityCategory.choices)
    address = forms.CharField(label=_("Place"), max_length=_max_length(Activity, "address"))
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    coord_system = forms.ChoiceField(label=_("Coordinate system"), choices=CoordSystem.choices, initial="wgs84")
    starts_at = _datetime_field(_("Starts at"))
    ends_at = _datetime_field(_("Ends at"))
    signup_deadline = _datetime_field(
        _("Sign-up deadline"), required=False, help_text=_("Empty: sign-up closes when the activity starts.")
    )
    capacity = forms.IntegerField(label=_("Number of places"), min_value=1, max_value=100_000)
    audience = forms.ChoiceField(label=_("Who may sign up"), choices=Audience.choices, initial=Audience.PAIRED)
    weekly_occurrences = forms.IntegerField(
        label=_("Repeat weekly"),
        required=False,
        min_value=2,
        max_value=52,
        help_text=_("Optional: the number of weekly occurrences of a recurring activity."),
    )
    organizer_team = TeamChoiceField(
        label=_("Organized by a volunteer team"),
        queryset=Team.objects.none(),
        required=False,
        help_text=_("Optional: a team of an organ paired with the community."),
    )
    publish = forms.BooleanField(label=_("Open for sign-up at once"), required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities_for(scope).distinct()
        self.fields["grid"].queryset = grids_for(scope)
        self.fields["organizer_team"].queryset = activity_selectors.organizer_team_options(
            communities=self.fields["community"].queryset
        )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return cleaned


# --- attendance and hours -------------------------------------------------------------------------------------


class AttendanceMarkForm(Form):
    attendance = forms.ChoiceField(label=_("Attendance"), choices=Attendance.choices)


class HoursAdjustForm(Form):
    credited_minutes = forms.IntegerField(label=_("Credited minutes"), min_value=0)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class OptionalReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


# --- evaluations ----------------------------------------------------------------------------------------------


class EvaluationFilterForm(Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000)
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False, empty_label=None
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities_for(scope).distinct()
        self.fields["year"].initial = timezone.localdate().year
