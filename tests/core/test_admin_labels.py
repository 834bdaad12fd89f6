"""The admin speaks the user's language: every label it shows goes through gettext, the audit trail's codes are shown
in words, and the messages other packages leave untranslated are in our catalogue's list."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise

from apps.core.third_party_messages import MESSAGES
from apps.ledger import audit_labels
from apps.ledger.models import AuditEntry
from tests import factories as f

PROJECT_MODELS = [m for m in apps.get_models() if m.__module__.startswith("apps.")]
# Fields of the certificates' model are being reworked elsewhere (apps/ledger certificates): labelled there.
NOT_YET = {"ledger.Certificate.member", "ledger.Certificate.issued_by", "ledger.Certificate.revoked_by"}


def labelled_fields(model):
    for field in model._meta.get_fields():
        if (field.auto_created and not field.concrete) or field.name == "id":
            continue
        yield field


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label)
def test_model_and_field_names_are_translatable(model):
    untranslated = [
        name
        for name, value in (
            ("Meta.verbose_name", model._meta.original_attrs.get("verbose_name")),
            ("Meta.verbose_name_plural", model._meta.original_attrs.get("verbose_name_plural")),
        )
        if not isinstance(value, Promise)
    ]
    untranslated += [
        field.name
        for field in labelled_fields(model)
        if not isinstance(field.verbose_name, Promise) and f"{model._meta.label}.{field.name}" not in NOT_YET
    ]
    assert untranslated == [], "give these a verbose_name through gettext_lazy"


def test_every_app_in_the_admin_has_a_translatable_name():
    labels = {model._meta.app_label for model in admin.site._registry}
    plain = [label for label in labels if not isinstance(apps.get_app_config(label).verbose_name, Promise)]
    assert plain == []


def test_every_message_of_django_axes_admin_is_in_our_catalogue_list():
    axes_models = [model for model in admin.site._registry if model._meta.app_label == "axes"]
    assert len(axes_models) >= 3
    with translation.override("en"):
        shown = {str(apps.get_app_config("axes").verbose_name)} - {"Login lockout"}
        for model in axes_models:
            shown |= {str(model._meta.verbose_name), str(model._meta.verbose_name_plural)}
            shown |= {str(field.verbose_name) for field in labelled_fields(model) if field.concrete}
            model_admin = admin.site._registry[model]
            for entry in model_admin.list_filter:
                if isinstance(entry, type) and hasattr(entry, "title"):
                    shown.add(str(entry.title))
            for title, _options in model_admin.fieldsets or ():
                if title:
                    shown.add(str(title))
    assert shown - set(MESSAGES) == set()


# --- the audit trail in words -------------------------------------------------------------------------------------


def audit_action_codes():
    """Every action code a service writes: `action="..."` (or a conditional of two) in a call of an audit helper,
    `action = "..."` assignments and *_ACTION constants, across apps/."""
    codes = set()

    def strings(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return strings(node.body) | strings(node.orelse)
        return set()

    for path in Path(settings.BASE_DIR, "apps").glob("**/*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if "audit" in name or name in ("_back_to_published", "_save_changed"):
                    for keyword in node.keywords:
                        if keyword.arg == "action":
                            codes |= strings(keyword.value)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target = node.targets[0].id
                if target == "action" or target.endswith("_ACTION"):
                    codes |= strings(node.value)
    return codes


def test_every_audit_action_the_services_write_has_a_label():
    codes = audit_action_codes()
    assert {"claim", "view_contact", "member_deactivate", "approve", "reject", "organ_update"} <= codes  # the scan
    assert sorted(codes - set(audit_labels.ACTION_LABELS)) == []


def test_labels_fall_back_to_the_code():
    assert audit_labels.action_label("something_new") == "something_new"
    assert audit_labels.subject_type_label("nowhere.nothing") == "nowhere.nothing"
    with translation.override("en"):
        assert str(audit_labels.subject_type_label("wishes.wish")) == "micro-wish"
        assert str(audit_labels.action_label("claim")) == "Claimed"


@pytest.mark.django_db
def test_the_admin_audit_list_shows_actions_and_subjects_in_words():
    superuser = f.UserFactory(is_superuser=True, is_staff=True)
    AuditEntry.objects.create(
        at="2026-01-05T10:00:00+08:00", actor=superuser, subject_type="wishes.wish", subject_id=7, action="claim"
    )
    AuditEntry.objects.create(
        at="2026-01-05T11:00:00+08:00",
        actor=None,
        subject_type="wishes.wish_contact",
        subject_id=7,
        action="view_contact",
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(superuser)
    page = client.get("/admin/ledger/auditentry/").content.decode()
    assert "Claimed <code>claim</code>" in page
    assert "Viewed the resident&#x27;s contact details <code>view_contact</code>" in page
    assert '<td class="field-subject">Micro-wish</td>' in page
    assert '<td class="field-subject">Resident&#x27;s contact details</td>' in page
    # The filters offer the labels, and filter by the code.
    assert re.search(r'<a href="\?action=claim"[^>]*>Claimed</a>', page)
    filtered = client.get("/admin/ledger/auditentry/", {"action": "view_contact"}).content.decode()
    assert "<code>view_contact</code>" in filtered and "<code>claim</code>" not in filtered
    # The search still finds the code.
    assert "<code>claim</code>" in client.get("/admin/ledger/auditentry/", {"q": "claim"}).content.decode()
    detail = client.get(f"/admin/ledger/auditentry/{AuditEntry.objects.get(action='claim').pk}/change/")
    assert detail.status_code == 200 and "Claimed <code>claim</code>" in detail.content.decode()


@pytest.mark.django_db
def test_the_admin_index_names_the_apps_and_models_in_words():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(f.UserFactory(is_superuser=True, is_staff=True))
    page = client.get("/admin/").content.decode()
    assert "Login lockout" in page and ">Axes<" not in page
    assert "Wish participants" in page  # from the model's translatable Meta, capitalised by the admin
    assert "<title>Site administration | Dual Reporting</title>" in page
