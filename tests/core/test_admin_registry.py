"""Every model of the project's apps has a page in the Django admin, and each list page renders."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests import factories as f

PROJECT_MODELS = [m for m in apps.get_models() if m.__module__.startswith("apps.")]


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label)
def test_model_is_registered_in_the_admin(model):
    assert model in admin.site._registry


@pytest.mark.django_db
@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label)
def test_admin_list_page_renders_for_a_superuser(model):
    client = Client()
    client.force_login(f.UserFactory(is_superuser=True, is_staff=True))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
