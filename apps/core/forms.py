"""The base of every form of the pages: free text cleaned as the API cleans it (apps.core.text)."""

from django import forms
from django.utils.datastructures import MultiValueDict

from apps.core.text import strip_direction_controls


def _is_free_text(field):
    """A CharField (or subclass) that trims its input; one with `strip=False` takes it verbatim (a password)."""
    return isinstance(field, forms.CharField) and field.strip and not field.disabled


class TextCleaningMixin:
    """For a bound form: the input of every free-text field is cleaned before the field validates it, so its
    max_length counts the text as it will be stored and a text of direction controls only is empty.

    Mixed into apps.core.forms.Form, the base of every page form (tests/core/test_text.py checks), so a new text field
    gets it by default; forms built on another Django form class (AuthenticationForm) mix it in themselves.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            return
        keys = {self.add_prefix(name) for name, field in self.fields.items() if _is_free_text(field)}
        if not keys:
            return
        if isinstance(self.data, MultiValueDict):
            data = self.data.copy()  # a QueryDict's copy is mutable
            for key in keys & set(data):
                data.setlist(key, [strip_direction_controls(v) if isinstance(v, str) else v for v in data.getlist(key)])
        else:
            data = dict(self.data)
            for key in keys & set(data):
                if isinstance(data[key], str):
                    data[key] = strip_direction_controls(data[key])
        self.data = data


class Form(TextCleaningMixin, forms.Form):
    """forms.Form with its free text cleaned (TextCleaningMixin)."""
