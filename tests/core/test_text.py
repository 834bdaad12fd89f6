"""Free text (apps.core.text): direction controls removed and a maximum for every text, on every face.

The guards at the end hold the "by default" promise: every input serializer of the API derives from InputSerializer
and every form of the pages from the cleaning mixin, and each of their text fields has a maximum.
"""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from rest_framework import serializers

import apps
from apps.core.errors import Invalid
from apps.core.forms import Form, TextCleaningMixin
from apps.core.serializers import InputSerializer
from apps.core.text import DIRECTION_CONTROLS, clean_model_text, clean_text, strip_direction_controls
from apps.wishes.models import Wish

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


# --- clean_text ---------------------------------------------------------------------------------------------------


def test_every_direction_control_is_listed():
    assert set(CONTROLS) == DIRECTION_CONTROLS


@pytest.mark.parametrize("control", list(CONTROLS))
def test_each_direction_control_is_removed(control):
    assert clean_text(f"张{control}三{control}") == "张三"


def test_other_text_is_kept_as_typed():
    # Zero-width joiner (emoji sequences), non-breaking space inside, line breaks inside, Arabic letters themselves.
    text = "老人👨\u200d👩\u200d👧需要\u00a0米\n和油 مرحبا"
    assert clean_text(f"  {text}\t\n") == text
    assert strip_direction_controls(text) == text


def test_none_is_empty_and_strip_false_keeps_the_spaces():
    assert clean_text(None) == ""
    assert clean_text(" \u202ea ", strip=False) == " a "


def test_the_maximum_counts_the_cleaned_text():
    assert clean_text("\u202e" + "长" * 10 + "\u202c", max_length=10) == "长" * 10
    with translation.override("en"), pytest.raises(Invalid) as exc:
        clean_text("长" * 11, max_length=10, field="story")
    assert exc.value.code == "text_too_long" and exc.value.status_code == 422
    assert exc.value.extra == {"max_length": 10, "field": "story"}
    assert str(exc.value.message) == "The text is too long (10 characters at most)."


def test_a_callers_own_code_and_the_models_maximum():
    maximum = Wish._meta.get_field("story").max_length
    assert maximum == 2000
    assert clean_model_text(Wish, "story", "长" * maximum) == "长" * maximum
    with pytest.raises(Invalid) as exc:
        clean_model_text(Wish, "story", "长" * (maximum + 1), code="story_too_long")
    assert exc.value.code == "story_too_long" and exc.value.extra["field"] == "story"


# --- the faces' base classes --------------------------------------------------------------------------------------


class _Sample(InputSerializer):
    name = serializers.CharField(max_length=5)
    note = serializers.CharField(max_length=5, required=False, allow_blank=True)
    password = serializers.CharField(max_length=20, trim_whitespace=False)
    photo = serializers.FileField(required=False)


def test_input_serializer_cleans_json_before_the_field_validates():
    serializer = _Sample(data={"name": "\u202e12345\u202c", "note": "\u2066", "password": " \u202epw "})
    assert serializer.is_valid(), serializer.errors
    # The maximum counted the cleaned text; a password is taken verbatim.
    assert serializer.validated_data == {"name": "12345", "note": "", "password": " \u202epw "}


def test_input_serializer_cleans_form_data_and_keeps_files():
    data = QueryDict("name=%E2%80%AEab&password=x", mutable=True)
    photo = SimpleUploadedFile("a.png", b"bytes")
    data.update(MultiValueDict({"photo": [photo]}))
    serializer = _Sample(data=data)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["name"] == "ab"
    assert serializer.validated_data["photo"] is photo


def test_input_serializer_still_refuses_too_long_and_blank_text():
    serializer = _Sample(data={"name": "123456", "password": "x"})
    assert not serializer.is_valid() and serializer.errors["name"][0].code == "max_length"
    serializer = _Sample(data={"name": "\u202e\u202c", "password": "x"})
    assert not serializer.is_valid() and serializer.errors["name"][0].code == "blank"


class _SampleForm(Form):
    name = forms.CharField(max_length=5)
    password = forms.CharField(max_length=20, strip=False)


def test_form_cleans_its_text_fields_but_not_a_password():
    form = _SampleForm(QueryDict("name=%E2%80%AE12345%E2%80%AC&password=%20%E2%80%AEpw"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "12345", "password": " \u202epw"}
    form = _SampleForm({"name": "\u2067\u2069", "password": "x"})
    assert not form.is_valid() and form.errors.as_data()["name"][0].code == "required"
    form = _SampleForm({"name": "\u202e123456", "password": "x"})
    assert not form.is_valid() and form.errors.as_data()["name"][0].code == "max_length"


def test_form_with_a_prefix_cleans_the_prefixed_keys():
    form = _SampleForm({"p-name": "\u202eab", "p-password": "x"}, prefix="p")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "ab"


# --- guards: every input of the API and of the pages -------------------------------------------------------------

# Text fields whose length is the service's rule, answered with its own documented code (docs/api.md).
SERVICE_CHECKED = {
    ("EvaluationSubmitInputSerializer", "comment"),  # 422 evaluation_comment_too_long
    ("EvaluationSubmitInputSerializer", "grade"),  # 422 evaluation_grade_invalid (one of four values)
}


def _modules(suffixes):
    for info in pkgutil.walk_packages(apps.__path__, "apps."):
        name = info.name
        if ".migrations" in name or ".management" in name:
            continue
        if name.rsplit(".", 1)[-1] in suffixes:
            yield importlib.import_module(name)


def _classes(module, base):
    for _name, cls in inspect.getmembers(module, inspect.isclass):
        if issubclass(cls, base) and cls.__module__ == module.__name__:
            yield cls


def _input_serializers():
    found = set()
    for module in _modules(("serializers", "hours_serializers", "views", "export_views", "queries")):
        for cls in _classes(module, serializers.Serializer):
            if cls.__name__.endswith(("InputSerializer", "QuerySerializer")):
                found.add(cls)
    return found


def test_every_input_serializer_cleans_its_text():
    found = _input_serializers()
    assert len(found) > 30  # the walk found the API's inputs
    assert sorted(c.__name__ for c in found if not issubclass(c, InputSerializer)) == []


def test_every_text_field_of_the_api_has_a_maximum():
    missing = []
    for cls in _input_serializers():
        for name, field in cls().fields.items():
            if isinstance(field, serializers.CharField) and not field.read_only:
                if field.max_length is None and (cls.__name__, name) not in SERVICE_CHECKED:
                    missing.append(f"{cls.__name__}.{name}")
    assert sorted(missing) == []


def _page_forms():
    found = set()
    for module in _modules(("forms", "records", "certificates", "people", "views")):
        if not module.__name__.startswith("apps.web"):
            continue
        for cls in _classes(module, forms.BaseForm):
            found.add(cls)
    return found


def test_every_page_form_cleans_its_text():
    found = _page_forms()
    assert len(found) > 20
    assert sorted(c.__name__ for c in found if not issubclass(c, TextCleaningMixin)) == []


def test_every_text_field_of_the_pages_has_a_maximum():
    missing = []
    for cls in _page_forms():
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.CharField) and field.max_length is None:
                # AuthenticationForm's password field is Django's own (its hashers bound the work).
                if not (name == "password" and field.strip is False):
                    missing.append(f"{cls.__name__}.{name}")
    assert sorted(missing) == []
