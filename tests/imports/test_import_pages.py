"""The management pages of imports: who gets them, the templates offered for download, and the flow upload →
check (in steps) → preview → apply or cancel, with errors shown by row, column and reason."""

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from apps.accounts.models import Role
from apps.imports.importers import importer_class
from apps.imports.models import ImportBatch, ImportStatus
from apps.orgs.models import Member
from tests import factories as f
from tests.imports.conftest import MEM_HEADER, PHONES, checked, xlsx_file

pytestmark = pytest.mark.django_db

MAY_IMPORT = {
    "district_admin": ("geography", "organizations"),
    "street_admin": ("geography",),
    "reviewer": ("organizations", "members"),
    "superuser": ("geography", "organizations", "members"),
}
KINDS = ("geography", "organizations", "members")


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"manage:{name}", args=args)


def roster_rows():
    return [["李四", PHONES[0], "ZB-A1", "", "科员", "", ""], ["王五", PHONES[1], "ZB-A2", "", "", "", "在职"]]


def upload(client, rows, **data):
    return client.post(url("import-new", "members"), {"file": xlsx_file(MEM_HEADER, rows), **data})


# --- who gets the pages ---


@pytest.mark.parametrize("role", sorted(MAY_IMPORT))
def test_the_management_page_is_for_administrators_and_organ_reviewers(world, role):
    response = browser_for(world.user(role)).get(url("home"))
    assert response.status_code == 200
    for kind in KINDS:
        assert (url("import-new", kind) in response.content.decode()) == (kind in MAY_IMPORT[role])


@pytest.mark.parametrize("role", ["member", "staff", "grid_worker", "secretary", "outsider"])
def test_the_management_page_is_refused_to_everyone_else(world, role):
    client = browser_for(world.user(role))
    assert client.get(url("home")).status_code == 403
    assert client.get(url("import-template", "members")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(db):
    response = Client().get(url("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


# --- templates ---


@pytest.mark.parametrize("role, kind", [(role, kind) for role, kinds in MAY_IMPORT.items() for kind in kinds])
def test_the_template_of_each_kind_the_role_may_import_is_a_workbook_to_fill_in(world, role, kind):
    response = browser_for(world.user(role)).get(url("import-template", kind))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    columns = importer_class(kind).columns
    header, example = (list(row) for row in sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert header == [c.header + ("*" if c.required else "") for c in columns]
    assert [v or "" for v in example] == [c.example for c in columns]
    assert all(v for v, c in zip(example, columns, strict=True) if c.required)
    # A drop-down list on each column with fixed values, offering exactly those values.
    lists = {str(v.sqref).split(":")[0][:-1]: v.formula1 for v in sheet.data_validations.dataValidation}
    with_choices = {sheet.cell(row=1, column=i).column_letter: c for i, c in enumerate(columns, 1) if c.choices}
    assert with_choices
    assert set(lists) == set(with_choices)
    for letter, column in with_choices.items():
        assert lists[letter] == '"' + ",".join(label for label, _v in column.choices) + '"'
    assert book.sheetnames[1] == "填写说明"


def test_the_template_as_downloaded_is_read_back_with_its_example_row(world):
    client = browser_for(world.district_admin)
    template = client.get(url("import-template", "geography")).content
    response = client.post(url("import-new", "geography"), {"file": _named(template, "template.xlsx")})
    batch = ImportBatch.objects.get()
    assert response["Location"] == url("import-detail", batch.pk)
    assert (batch.file_error, batch.rows_total) == ("", 1)
    assert batch.rows.get().row_number == 2


def _named(content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    "role, kind",
    [
        ("street_admin", "organizations"),
        ("street_admin", "members"),
        ("district_admin", "members"),
        ("reviewer", "geography"),
    ],
)
def test_a_kind_the_role_may_not_import_is_refused(world, role, kind):
    client = browser_for(world.user(role))
    assert client.get(url("import-template", kind)).status_code == 403
    assert client.get(url("import-new", kind)).status_code == 403
    assert client.post(url("import-new", kind), {"file": xlsx_file(MEM_HEADER, [])}).status_code == 403
    assert not ImportBatch.objects.exists()


def test_an_unknown_kind_is_not_found(world):
    assert browser_for(world.superuser).get(url("import-template", "wishes")).status_code == 404


# --- the flow ---


def test_upload_preview_and_apply(coded):
    client = browser_for(coded.world.reviewer)
    form = client.get(url("import-new", "members"))
    assert form.status_code == 200
    assert 'name="deactivate_missing"' in form.content.decode()

    response = upload(client, roster_rows())
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("import-detail", batch.pk)
    assert batch.status == ImportStatus.READY

    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200
    for value in ("李四", PHONES[0], "科员", "王五", PHONES[1], coded.branch2.name):
        assert value in page
    assert url("import-apply", batch.pk) in page
    assert not Member.objects.filter(user__phone__in=PHONES[:2]).exists()  # nothing written before confirming

    done = client.post(url("import-apply", batch.pk), follow=True)
    assert done.redirect_chain == [(url("import-detail", batch.pk), 302)]
    assert "msg-success" in done.content.decode()
    batch.refresh_from_db()
    assert (batch.status, batch.applied_by) == (ImportStatus.APPLIED, coded.world.reviewer)
    assert Member.objects.filter(user__phone__in=PHONES[:2], organ=coded.world.organ).count() == 2
    assert url("import-apply", batch.pk) not in done.content.decode()
    assert batch.file_name in client.get(url("home")).content.decode()  # in the history


def test_a_file_with_errors_shows_row_column_and_reason_and_cannot_be_applied(coded):
    client = browser_for(coded.world.reviewer)
    rows = [*roster_rows(), ["赵六", PHONES[2], "NO-SUCH", "", "", "", ""]]
    response = upload(client, rows)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID
    page = client.get(response["Location"]).content.decode()
    error = batch.rows.get(row_number=4).errors[0]
    assert error["column"] == "党支部编码"
    assert f'<td class="num">4</td><td>党支部编码</td><td>{escape(error["message"])}</td>' in page
    assert "NO-SUCH" in page
    assert url("import-apply", batch.pk) not in page
    # Posting anyway changes nothing.
    client.post(url("import-apply", batch.pk))
    assert ImportBatch.objects.get().status == ImportStatus.INVALID
    assert not Member.objects.filter(user__phone__in=PHONES[:3]).exists()


def test_a_file_refused_as_a_whole_shows_the_reason(coded):
    client = browser_for(coded.world.reviewer)
    file = xlsx_file(["姓名", "电话", "党支部编码"], [["李四", PHONES[0], "ZB-A1"]])
    response = client.post(url("import-new", "members"), {"file": file})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID
    page = client.get(response["Location"]).content.decode()
    assert "手机号码" in batch.file_error
    assert escape(batch.file_error) in page
    assert url("import-apply", batch.pk) not in page


def test_a_file_too_large_is_shown_on_the_form_and_nothing_is_kept(coded, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(browser_for(coded.world.reviewer), roster_rows())
    assert response.status_code == 200
    assert "import_file_too_large" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_upload_without_a_file_is_shown_on_the_form(coded):
    response = browser_for(coded.world.reviewer).post(url("import-new", "members"), {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportBatch.objects.exists()


def test_the_full_roster_option_is_passed_on(coded):
    client = browser_for(coded.world.reviewer)
    upload(client, roster_rows(), deactivate_missing="on")
    batch = ImportBatch.objects.get()
    assert batch.deactivate_missing is True
    assert list(batch.rows.filter(row_number=0).values_list("target_id", flat=True)) == [coded.world.member.pk]


def test_cancel_drops_the_import(coded):
    client = browser_for(coded.world.reviewer)
    upload(client, roster_rows())
    batch = ImportBatch.objects.get()
    response = client.post(url("import-cancel", batch.pk))
    assert response["Location"] == url("import-detail", batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CANCELLED
    client.post(url("import-apply", batch.pk))
    assert ImportBatch.objects.get().status == ImportStatus.CANCELLED
    assert not Member.objects.filter(user__phone__in=PHONES[:2]).exists()


def test_the_step_view_checks_the_next_chunk(coded, settings):
    settings.IMPORT_CHECK_CHUNK_ROWS = 2
    client = browser_for(coded.world.reviewer)
    rows = [["党员", PHONES[i], "ZB-A1", "", "", "", ""] for i in range(5)]
    response = upload(client, rows)
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_checked, batch.rows_total) == (ImportStatus.CHECKING, 2, 5)
    page = client.get(response["Location"]).content.decode()
    assert url("import-step", batch.pk) in page
    assert url("import-apply", batch.pk) not in page

    assert client.post(url("import-step", batch.pk))["Location"] == url("import-detail", batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_checked) == (ImportStatus.CHECKING, 4)
    client.post(url("import-step", batch.pk))
    batch.refresh_from_db()
    assert (batch.status, batch.rows_checked) == (ImportStatus.READY, 5)
    assert url("import-apply", batch.pk) in client.get(url("import-detail", batch.pk)).content.decode()


# --- whose import it is ---


def test_another_users_import_is_not_found(coded):
    batch = checked("members", xlsx_file(MEM_HEADER, roster_rows()), coded.world.reviewer)
    other = f.UserFactory()
    f.RoleFactory(user=other, role=Role.ORGAN_REVIEWER, organ=coded.world.organ)
    for user in (other, coded.world.district_admin):
        client = browser_for(user)
        assert client.get(url("import-detail", batch.pk)).status_code == 404
        for action in ("import-apply", "import-step", "import-cancel"):
            assert client.post(url(action, batch.pk)).status_code == 404
        assert batch.file_name not in client.get(url("home")).content.decode()
    assert ImportBatch.objects.get().status == ImportStatus.READY
    # A superuser sees every import.
    assert browser_for(coded.world.superuser).get(url("import-detail", batch.pk)).status_code == 200


@pytest.mark.parametrize("action", ["import-apply", "import-step", "import-cancel"])
def test_a_get_never_changes_an_import(coded, action):
    batch = checked("members", xlsx_file(MEM_HEADER, roster_rows()), coded.world.reviewer)
    assert browser_for(coded.world.reviewer).get(url(action, batch.pk)).status_code == 405
    assert ImportBatch.objects.get().status == ImportStatus.READY
