"""Forms every user shares."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from apps.accounts.services import normalize_phone
from apps.core.errors import Invalid


class PhoneLoginForm(AuthenticationForm):
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
