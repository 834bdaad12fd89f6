"""Forms of the member's own pages. They only parse input; the services decide what is acceptable."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.forms import Form
from apps.registrations.models import Registration

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
