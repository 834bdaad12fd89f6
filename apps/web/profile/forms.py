"""Forms of the member's own pages. They only parse input; the services decide what is acceptable."""

from django import forms
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.forms import Form
from apps.ledger.models import ServiceCategory, ServiceRecord
from apps.ledger.self_services import PLACE_MAX, RESIDENTS_MAX
from apps.places.models import Community
from apps.registrations.models import Registration
from apps.stats import glossary
from apps.teams.models import Team
from apps.teams.selectors import teams_of_member
from apps.web.staff.forms import DATETIME_FORMATS, DateTimeLocalInput

FIRST_YEAR = 2000


class AddressForm(Form):
    """The residential address to look up (GET, saves nothing) and then to register with (POST)."""

    address = forms.CharField(
        label=_("Residential address"),
        max_length=Registration._meta.get_field("address").max_length,
        help_text=_("Street, compound, building and flat, e.g. 幸福小区3栋2单元101."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )


class DisputeForm(Form):
    reason = forms.CharField(label=_("Why are these hours wrong?"), max_length=200)


class YearForm(Form):
    """A calendar year from 2000 to the current one (a certificate or a list of one year)."""

    year = forms.IntegerField(label=_("Year"))

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not FIRST_YEAR <= year <= timezone.localdate().year:
            raise forms.ValidationError(_("Choose a year from 2000 to this year."))
        return year


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.street.name} · {obj.name}"


class SelfServiceForm(Form):
    """A service the member did and registers (服务登记). It only parses: the service checks the times (not in the
    future, not too old, no overlap), the daily maximum and the photo."""

    community = CommunityChoiceField(
        label=_("Community where you served"),
        queryset=Community.objects.select_related("street").order_by("street__code", "code"),
        help_text=_("Its staff review the service."),
    )
    place = forms.CharField(label=_("Place"), max_length=PLACE_MAX, help_text=_("E.g. 幸福小区3栋楼道."))
    category = forms.ChoiceField(label=_("Category"), choices=[*BLANK_CHOICE_DASH, *ServiceCategory.choices])
    content = forms.CharField(
        label=_("What you did"),
        max_length=ServiceRecord._meta.get_field("content").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    started_at = forms.DateTimeField(label=_("Started at"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput())
    ended_at = forms.DateTimeField(label=_("Ended at"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput())
    residents_served = forms.IntegerField(
        label=glossary.lazy_label("residents_served"), min_value=0, max_value=RESIDENTS_MAX, initial=0
    )
    team = forms.ModelChoiceField(
        label=_("As a volunteer team (optional)"),
        queryset=Team.objects.none(),
        required=False,
        help_text=_("Only if you served with your team: its figures count the service too."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_of_member(member)
        if not self.fields["team"].queryset.exists():
            del self.fields["team"]
