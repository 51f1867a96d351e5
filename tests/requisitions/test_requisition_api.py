"""The requisition API in the shapes DESIGN.md promises integrators."""

import io
from decimal import Decimal

import openpyxl
import pytest

from requisitions.models import Requisition
from tests.factories import EmployeeFactory, api_token


def as_user(api_client, employee):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(employee.user)}")
    return api_client


@pytest.fixture
def api(api_client, requester):
    return as_user(api_client, requester)


def new_cart(api, **body):
    response = api.post("/api/v1/requisitions/", {"title": "Lab", "legal_entity": "FR-TEST", **body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_add_lines_and_read_back(api, items):
    cart = new_cart(api)
    assert {k: cart[k] for k in ("status", "legal_entity", "currency", "total", "lines")} == {
        "status": "draft",
        "legal_entity": "FR-TEST",
        "currency": "EUR",
        "total": {"amount": "0.00", "currency": "EUR"},
        "lines": [],
    }
    assert cart["number"].startswith("REQ-FR-TEST-")

    body = api.post(
        f"/api/v1/requisitions/{cart['id']}/lines/", {"sku": "PEN-1", "quantity": "4"}, format="json"
    ).json()
    line = body["lines"][0]
    assert {
        k: line[k]
        for k in ("sku", "description", "quantity", "unit", "unit_price", "source", "supplier", "cost_centre")
    } == {
        "sku": "PEN-1",
        "description": "Blue pen",
        "quantity": "4.000",
        "unit": "EA",
        "unit_price": {"amount": "1.50", "currency": "EUR"},
        "source": "catalog",
        "supplier": "OFFICE",
        "cost_centre": "FR-CC",
    }

    free = api.post(
        f"/api/v1/requisitions/{cart['id']}/lines/",
        {
            "description": "Calibration",
            "quantity": "1",
            "unit": "EA",
            "unit_price": {"amount": "250", "currency": "EUR"},
            "supplier": "OFFICE",
            "cost_centre": "FR-LAB2",
        },
        format="json",
    )
    assert free.status_code == 201
    detail = api.get(f"/api/v1/requisitions/{cart['id']}/").json()
    assert detail["total"] == {"amount": "256.00", "currency": "EUR"}
    assert [(line["source"], line["cost_centre"]) for line in detail["lines"]] == [
        ("catalog", "FR-CC"),
        ("free_text", "FR-LAB2"),
    ]


def test_quick_add_reports_each_bad_line_and_adds_the_good_ones(api, items):
    cart = new_cart(api)
    text = "PEN-1,5\nPAD-1;2\nNOPE-9,1\nINK-1,abc\nclip-1\t3\n"
    response = api.post(f"/api/v1/requisitions/{cart['id']}/quick-add/", {"text": text}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["added"] == 3
    assert [error["line"] for error in body["errors"]] == [3, 4]
    assert "NOPE-9" in body["errors"][0]["message"]
    lines = api.get(f"/api/v1/requisitions/{cart['id']}/").json()["lines"]
    assert [(line["sku"], line["quantity"], line["source"]) for line in lines] == [
        ("PEN-1", "5.000", "quick_order"),
        ("PAD-1", "2.000", "quick_order"),
        ("CLIP-1", "3.000", "quick_order"),
    ]


def test_an_xlsx_upload_is_imported_with_per_line_errors(api, items, django_capture_on_commit_callbacks):
    cart = new_cart(api)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [("SKU", "Quantity"), ("PEN-1", 2), ("TAPE-1", 1.5), ("GONE", 1), (None, None), ("INK-1", "1,5")]:
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    upload = io.BytesIO(data.getvalue())
    upload.name = "order.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/requisitions/{cart['id']}/upload/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.json()
    job = api.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (job["status"], job["added"], job["percent"]) == ("done", 3, 100)
    assert job["errors"] == [{"line": 4, "message": "unknown SKU GONE"}]
    lines = api.get(f"/api/v1/requisitions/{cart['id']}/").json()["lines"]
    assert [(line["sku"], line["quantity"]) for line in lines] == [
        ("PEN-1", "2.000"),
        ("TAPE-1", "1.500"),
        ("INK-1", "1.500"),
    ]


def test_an_unreadable_file_fails_the_import_with_a_message(api, items, django_capture_on_commit_callbacks):
    cart = new_cart(api)
    upload = io.BytesIO(b"not a zip at all")
    upload.name = "order.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = api.post(f"/api/v1/requisitions/{cart['id']}/upload/", {"file": upload}, format="multipart").json()[
            "id"
        ]
    job = api.get(f"/api/v1/imports/{job_id}/").json()
    assert job["status"] == "failed" and "xlsx" in job["message"]


def test_submit_and_withdraw(api, items):
    cart = new_cart(api)
    empty = api.post(f"/api/v1/requisitions/{cart['id']}/submit/")
    assert empty.status_code == 400 and empty.json()["code"] == "submission_invalid"
    api.post(f"/api/v1/requisitions/{cart['id']}/lines/", {"sku": "PEN-1", "quantity": "1"}, format="json")
    submitted = api.post(f"/api/v1/requisitions/{cart['id']}/submit/").json()
    assert submitted["status"] == "in_approval"
    again = api.post(f"/api/v1/requisitions/{cart['id']}/lines/", {"sku": "PEN-1", "quantity": "1"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_editable"
    withdrawn = api.post(f"/api/v1/requisitions/{cart['id']}/withdraw/", {"comment": "wrong"}, format="json")
    assert withdrawn.json()["status"] == "withdrawn"
    twice = api.post(f"/api/v1/requisitions/{cart['id']}/withdraw/")
    assert twice.status_code == 409 and twice.json()["code"] == "transition_not_allowed"


def test_list_filters_by_status(api, items):
    first, second = new_cart(api), new_cart(api, title="Second")
    api.post(f"/api/v1/requisitions/{first['id']}/lines/", {"sku": "PEN-1", "quantity": "1"}, format="json")
    api.post(f"/api/v1/requisitions/{first['id']}/submit/")
    drafts = api.get("/api/v1/requisitions/", {"status": "draft"}).json()["results"]
    assert [r["id"] for r in drafts] == [second["id"]]
    assert api.get("/api/v1/requisitions/", {"status": "nonsense"}).json()["code"] == "invalid"


def test_merge_move_copy_and_lists(api, items):
    first, second = new_cart(api), new_cart(api, title="Second")
    api.post(f"/api/v1/requisitions/{first['id']}/quick-add/", {"text": "PEN-1,1\nPAD-1,1"}, format="json")
    api.post(f"/api/v1/requisitions/{second['id']}/quick-add/", {"text": "INK-1,1"}, format="json")
    lines = api.get(f"/api/v1/requisitions/{first['id']}/").json()["lines"]
    moved = api.post(
        f"/api/v1/requisitions/{first['id']}/lines/move/",
        {"lines": [lines[1]["id"]], "to": second["id"]},
        format="json",
    )
    assert [line["sku"] for line in moved.json()["lines"]] == ["PEN-1"]
    merged = api.post(
        f"/api/v1/requisitions/{first['id']}/merge/", {"requisitions": [second["id"]]}, format="json"
    ).json()
    assert [line["sku"] for line in merged["lines"]] == ["PEN-1", "INK-1", "PAD-1"]
    assert api.get(f"/api/v1/requisitions/{second['id']}/").json()["status"] == "cancelled"

    saved = api.post(
        "/api/v1/requisition-lists/", {"name": "Monthly office", "requisition": first["id"]}, format="json"
    )
    assert saved.status_code == 201 and saved.json()["item_count"] == 3
    cart = api.post(f"/api/v1/requisition-lists/{saved.json()['id']}/cart/").json()
    assert cart["status"] == "draft" and [line["sku"] for line in cart["lines"]] == ["PEN-1", "INK-1", "PAD-1"]
    copy = api.post(f"/api/v1/requisitions/{first['id']}/copy/").json()
    assert copy["total"] == merged["total"] and copy["id"] != first["id"]


def test_split_a_line_through_the_api(api, items):
    cart = new_cart(api)
    line = api.post(
        f"/api/v1/requisitions/{cart['id']}/lines/", {"sku": "INK-1", "quantity": "2"}, format="json"
    ).json()["lines"][0]
    bad = api.patch(
        f"/api/v1/requisitions/{cart['id']}/lines/{line['id']}/",
        {"splits": [{"cost_centre": "FR-CC", "percent": "70"}, {"cost_centre": "FR-LAB2", "percent": "20"}]},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_split"
    good = api.patch(
        f"/api/v1/requisitions/{cart['id']}/lines/{line['id']}/",
        {"splits": [{"cost_centre": "FR-CC", "percent": "70"}, {"cost_centre": "FR-LAB2", "percent": "30"}]},
        format="json",
    )
    assert good.json()["lines"][0]["splits"] == [
        {"cost_centre": "FR-CC", "percent": "70.00", "gl_account": "", "project": ""},
        {"cost_centre": "FR-LAB2", "percent": "30.00", "gl_account": "", "project": ""},
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sku": "PEN-1", "quantity": "0"}, "quantity"),
        ({"sku": "PEN-1", "quantity": "x"}, "quantity"),
        ({"quantity": "1"}, "description"),
        ({"description": "x", "quantity": "1"}, "unit_price"),
    ],
)
def test_bad_line_bodies_name_the_field(api, items, body, field):
    cart = new_cart(api)
    response = api.post(f"/api/v1/requisitions/{cart['id']}/lines/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_a_swedish_user_neither_sees_nor_adds_to_a_french_requisition(api_client, api, items, sweden):
    cart = new_cart(api)
    swede = EmployeeFactory(legal_entities=[sweden])
    other = as_user(api_client, swede)
    assert other.get(f"/api/v1/requisitions/{cart['id']}/").status_code == 404
    assert (
        other.post(
            f"/api/v1/requisitions/{cart['id']}/lines/", {"sku": "PEN-1", "quantity": "1"}, format="json"
        ).status_code
        == 404
    )
    assert (
        other.post(f"/api/v1/requisitions/{cart['id']}/quick-add/", {"text": "PEN-1,1"}, format="json").status_code
        == 404
    )
    assert other.get("/api/v1/requisitions/").json()["results"] == []
    assert (
        other.post("/api/v1/requisitions/", {"legal_entity": "FR-TEST"}, format="json").json()["code"] == "not_a_member"
    )
    assert Requisition.objects.get(pk=cart["id"]).lines.count() == 0


def test_a_colleague_in_the_same_entity_does_not_see_my_cart_but_a_buyer_does(api_client, api, items, france):
    cart = new_cart(api)
    colleague = as_user(api_client, EmployeeFactory(legal_entities=[france]))
    assert colleague.get(f"/api/v1/requisitions/{cart['id']}/").status_code == 404
    buyer = as_user(api_client, EmployeeFactory(legal_entities=[france], roles=["buyer"]))
    assert buyer.get(f"/api/v1/requisitions/{cart['id']}/").status_code == 200
    assert (
        buyer.post(
            f"/api/v1/requisitions/{cart['id']}/lines/", {"sku": "PEN-1", "quantity": "1"}, format="json"
        ).json()["code"]
        == "not_requester"
    )


def test_reading_a_cart_costs_the_same_queries_for_5_or_200_lines(api, requester, django_assert_max_num_queries):
    from requisitions.services import CatalogPick, requisition_lines_add_from_catalog
    from tests.factories import CatalogItemFactory

    cart = new_cart(api)
    requisition = Requisition.objects.get(pk=cart["id"])
    requisition_lines_add_from_catalog(
        requisition=requisition,
        by=requester,
        picks=[CatalogPick(item=item, quantity=Decimal(1)) for item in CatalogItemFactory.create_batch(200)],
    )
    with django_assert_max_num_queries(12):
        assert len(api.get(f"/api/v1/requisitions/{cart['id']}/").json()["lines"]) == 200
