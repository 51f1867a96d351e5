"""The organisation import's pages and API, end to end with the test client; malformed files never give a 500."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from identity.models import OrgImportRun
from identity.org_import.files import read_org_file
from identity.org_import.template import template_xlsx
from procurement.models import Employee, Role
from tests.factories import PASSWORD, EmployeeFactory, UserFactory, api_token

from .conftest import csv_file, known_roles

pytestmark = pytest.mark.django_db

CHANGE_ALICE = csv_file("email;signing_limit;manager_email", "alice@acme.example;750;carol@acme.example")


def signed_in(client, employee):
    assert client.login(username=employee.user.username, password=PASSWORD)
    return client


def test_an_admin_uploads_sees_the_diff_and_applies(client, acme, admin):
    signed_in(client, admin)
    page = client.get("/organisation/import/")
    assert page.status_code == 200
    assert b'id="template-xlsx"' in page.content
    upload = io.BytesIO(CHANGE_ALICE)
    upload.name = "people.csv"
    response = client.post("/organisation/import/", {"file": upload, "mode": "partial"})
    run = OrgImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/organisation/import/{run.pk}/"
    detail = client.get(f"/organisation/import/{run.pk}/").content.decode()
    assert "signing_limit</code>: 0.00 EUR → 750.00 EUR" in detail
    assert "manager_email" not in detail and "manager</code>: bob@acme.example → carol@acme.example" in detail
    assert 'id="org-import-apply"' in detail
    response = client.post(f"/organisation/import/{run.pk}/apply/")
    assert response.status_code == 302
    after = client.get(f"/organisation/import/{run.pk}/").content.decode()
    assert 'id="org-import-result"' in after and 'id="org-import-apply"' not in after
    alice = Employee.objects.get(user__username="alice")
    assert (alice.signing_limit_minor, alice.manager.user.username) == (750_00, "carol")
    listing = client.get("/organisation/import/").content.decode()
    assert "people.csv" in listing


def test_bad_lines_are_listed_on_the_page_and_cannot_be_applied(client, acme, admin):
    signed_in(client, admin)
    upload = io.BytesIO(csv_file("email,status", "alice@acme.example,retired"))
    upload.name = "people.csv"
    run_url = client.post("/organisation/import/", {"file": upload})["Location"]
    page = client.get(run_url).content.decode()
    assert "The status is active or leaver." in page and 'id="org-import-apply"' not in page
    run = OrgImportRun.objects.get()
    client.post(f"/organisation/import/{run.pk}/apply/")
    assert Employee.objects.get(user__username="alice").user.is_active is True


def test_only_admins_of_the_entity_import(client, acme, admin):
    signed_in(client, acme.alice)
    assert client.get("/organisation/import/").status_code == 403
    assert client.get("/organisation/import/template.csv").status_code == 403
    # An admin of ACME-FR does not see ACME-SE's runs
    other_admin = EmployeeFactory(
        user=UserFactory(username="sam", email="sam@acme.example"), legal_entities=[acme.sweden], roles=[Role.ADMIN]
    )
    run = OrgImportRun.objects.create(legal_entity=acme.sweden, file_name="se.csv", file_sha256="0" * 64)
    signed_in(client, admin)
    assert client.get(f"/organisation/import/{run.pk}/").status_code == 404
    assert client.post(f"/organisation/import/{run.pk}/apply/").status_code == 404
    assert other_admin.pk


def test_the_api_checks_a_file_and_applies_it_with_an_admin_token(api_client, acme, admin):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(admin, scopes=['read', 'admin'])}")
    upload = io.BytesIO(CHANGE_ALICE)
    upload.name = "people.csv"
    response = api_client.post("/api/v1/org-imports/?legal_entity=ACME-FR", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["rows"], body["errors"], body["diff"]["counts"]["updated"]) == ("draft", 1, [], 1)
    assert api_client.get(f"/api/v1/org-imports/{body['id']}/").json()["diff"] == body["diff"]
    applied = api_client.post(f"/api/v1/org-imports/{body['id']}/apply/", {}, format="json")
    assert applied.status_code == 200
    assert (applied.json()["status"], applied.json()["result"]["updated"]) == ("applied", 1)
    again = api_client.post(f"/api/v1/org-imports/{body['id']}/apply/", {}, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "org_import_already_applied"


def test_the_api_lists_each_bad_line_and_refuses_a_token_without_the_admin_scope(api_client, acme, admin):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(admin, scopes=['read', 'admin'])}")
    upload = io.BytesIO(csv_file("email,roles", "alice@acme.example,pilot"))
    upload.name = "people.csv"
    response = api_client.post("/api/v1/org-imports/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["errors"]) == (
        "org_import_invalid_lines",
        [
            {
                "line": 2,
                "column": "roles",
                "value": "pilot",
                "message": f"Unknown roles: pilot. The roles are: {known_roles()}.",
            }
        ],
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(admin, scopes=['read'])}")
    upload.seek(0)
    refused = api_client.post("/api/v1/org-imports/", {"file": upload}, format="multipart")
    assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(acme.alice, scopes=['read'])}")
    assert api_client.get("/api/v1/org-imports/").json()["code"] == "org_import_forbidden"


def test_the_xlsx_template_reads_back_as_its_rows(acme):
    data = template_xlsx(acme.france)
    rows = read_org_file("template.xlsx", data)
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].cells["email"] == "maria.manager@example.com"
    assert rows[1].cells["manager_email"] == "maria.manager@example.com"
    assert rows[0].cells["signing_limit"] == "25000.00"
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    assert next(sheet.iter_rows(values_only=True))[:3] == ("email", "employee_number", "first_name")


def test_the_templates_check_cleanly_and_download(client, acme, admin):
    signed_in(client, admin)
    for file_format in ("csv", "xlsx"):
        response = client.get(f"/organisation/import/template.{file_format}")
        assert response.status_code == 200
        upload = io.BytesIO(response.content)
        upload.name = f"template.{file_format}"
        client.post("/organisation/import/", {"file": upload})
    runs = OrgImportRun.objects.order_by("id")
    assert [(run.errors, run.diff["counts"]["created"], run.diff["counts"]["org_units_created"]) for run in runs] == [
        ([], 2, 1),
        ([], 2, 1),
    ]


def _zip_bomb() -> bytes:
    """A 120 KB workbook that would unpack to 120 MB (made when its test runs, not when tests are collected)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (120 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.csv", b"", "empty_file"),
        ("garbage.xlsx", b"PK\x03\x04 not really a zip", "unreadable_file"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "unreadable_file"),
        ("bomb.xlsx", _zip_bomb, "file_too_large"),
        ("latin1.csv", "email,first_name\nzoé@acme.example,Zoé\n".encode("latin-1"), "not_utf8"),
        ("binary.csv", b"email\n\x00\x01\x02", "unreadable_file"),
        ("header.csv", b"email,shoe_size\nalice@acme.example,42\n", "unknown_columns"),
        ("noemail.csv", b"first_name\nAlice\n", "missing_columns"),
        ("twice.csv", b"email,EMAIL\na@b.cd,a@b.cd\n", "duplicate_columns"),
        ("only-header.csv", b"\xef\xbb\xbfemail;first_name\n", "no_rows"),
        ("quote.csv", b'email\n"alice@acme.example\n', "unreadable_file"),
        ("huge.csv", b"email\n" + b"x@acme.example\n" * 20_001, "too_many_rows"),
    ],
)
def test_a_malformed_file_is_refused_with_a_reason_never_a_500(client, acme, admin, name, data, code):
    signed_in(client, admin)
    upload = io.BytesIO(data() if callable(data) else data)
    upload.name = name
    response = client.post("/organisation/import/", {"file": upload})
    assert response.status_code == 302
    run = OrgImportRun.objects.get()
    assert [(error["line"], error["code"]) for error in run.errors] == [(0, code)]
    assert client.get(response["Location"]).status_code == 200


def test_the_page_asks_to_confirm_the_leavers_of_a_full_import_and_shows_a_newer_diff(client, acme, admin):
    signed_in(client, admin)
    rows = ["email"] + [f"{name}@acme.example" for name in ("alice", "bob", "carol", "dave", "erin")]
    upload = io.BytesIO(csv_file(*rows))
    upload.name = "everyone.csv"
    run_url = client.post("/organisation/import/", {"file": upload, "mode": "full"})["Location"]
    page = client.get(run_url).content.decode()
    assert 'id="confirm-leavers"' in page and 'data-email="frank@acme.example"' in page
    # Without the tick nothing happens
    page = client.post(f"{run_url}apply/", follow=True).content.decode()
    assert "Tick the box that confirms the leavers of the full import." in page
    assert Employee.objects.get(user__username="frank").user.is_active is True
    # frank leaves by other means in between: the page shows the new diff instead of applying
    frank = Employee.objects.select_related("user").get(user__username="frank")
    frank.user.is_active = False
    frank.user.save(update_fields=["is_active"])
    page = client.post(f"{run_url}apply/", {"confirm_leavers": "on"}, follow=True).content.decode()
    assert "The organisation changed since this diff was made" in page
    assert 'data-email="frank@acme.example"' not in page and 'id="confirm-leavers"' not in page
    # Applying the new diff changes nothing and says so
    page = client.post(f"{run_url}apply/", follow=True).content.decode()
    assert 'id="org-import-result"' in page
    assert OrgImportRun.objects.get().result["changed_employees"] == 0
