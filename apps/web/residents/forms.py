"""Forms of the residents' order pages (居民点单). Field shapes only; the rules are the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import Form
from apps.residents.models import ResidentRequest


def _max(name):
    return ResidentRequest._meta.get_field(name).max_length


class CodeForm(Form):
    """Step 1: the number the one-time code goes to."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}),
        help_text=_("Yours, or the number of the resident you ask for. A one-time code confirms it."),
    )


class SubmitForm(Form):
    """Step 2: the code and the request."""

    code = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    name = forms.CharField(label=_("Resident's name"), max_length=_max("name"))
    address = forms.CharField(
        label=_("Address"),
        max_length=_max("address"),
        help_text=_("The residential compound, building, unit and room, e.g. 桂花路16号 福岸雅苑21栋1单元304室."),
    )
    need = forms.CharField(
        label=_("What is needed"),
        max_length=_max("need"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the grid worker and the community's staff read it."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("Optional: a JPEG, PNG or WebP image."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class RateForm(Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"), coerce=int, choices=[(n, str(n)) for n in range(5, 0, -1)], initial=5
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=_max("resident_comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
