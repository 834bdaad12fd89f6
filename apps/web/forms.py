"""Forms every user shares."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from apps.accounts.services import normalize_phone
from apps.core.errors import Invalid
from apps.core.forms import Form, TextCleaningMixin


class PhoneLoginForm(TextCleaningMixin, AuthenticationForm):
    """Log in by mobile number (the user model's USERNAME_FIELD)."""

    username = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "tel"}),
    )

    def clean_username(self):
        """Accept the number as people type it (spaces, dashes, +86), as the API login does."""
        raw = self.cleaned_data["username"]
        try:
            return normalize_phone(raw)
        except Invalid:
            return raw  # authentication then fails with the usual message, and the attempt counts


class PasswordCodeForm(Form):
    """First sign-in or forgotten password, step 1: the mobile number the one-time code goes to."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "tel", "inputmode": "tel"}),
    )


class PasswordSetForm(Form):
    """Step 2: the one-time code and the new password, twice (the service judges the code and the password)."""

    code = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords differ."))
        return cleaned
