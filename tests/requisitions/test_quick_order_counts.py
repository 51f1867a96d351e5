"""Defect 16: quick order adds nothing twice when a form is sent again, its counts add up (lines read = added +
not added), an empty box or file says there was nothing to read, and identical errors are grouped."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from requisitions.models import ImportJob
from requisitions.services import import_job_create, import_job_process
from tests.factories import api_token


@pytest.fixture
def browser(client, requester):
    client.force_login(requester.user)
    return client


@pytest.fixture
def api(api_client, requester):
    token = api_token(requester.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client


def quantities(cart):
    return dict(cart.lines.values_list("supplier_part_id", "quantity"))


def test_sending_the_same_quick_order_form_again_adds_nothing_twice(browser, cart, items):
    form = browser.get(f"/requisitions/{cart.pk}/import/").context["submission"]
    body = {"text": "PEN-1,2\nNOPE,1\nPAD-1,3", "submission": form}

    first = browser.post(f"/requisitions/{cart.pk}/import/", body)
    again = browser.post(f"/requisitions/{cart.pk}/import/", body)  # reload, back button, double click

    assert quantities(cart) == {"PEN-1": Decimal(2), "PAD-1": Decimal(3)}
    assert "These lines were sent already: nothing was added again." in again.content.decode()
    # After a partial success the box keeps only the line that was not added, under a new token.
    assert first.context["text"] == "NOPE,1"
    assert first.context["submission"] != form


def test_fixing_the_failed_line_and_sending_it_adds_only_that_line(browser, cart, items):
    form = browser.get(f"/requisitions/{cart.pk}/import/").context["submission"]
    first = browser.post(f"/requisitions/{cart.pk}/import/", {"text": "PEN-1,2\nINK-l,1", "submission": form})
    fixed = first.context["text"].replace("INK-l", "INK-1")
    browser.post(f"/requisitions/{cart.pk}/import/", {"text": fixed, "submission": first.context["submission"]})
    assert quantities(cart) == {"PEN-1": Decimal(2), "INK-1": Decimal(1)}


def test_the_counts_add_up_line_by_line(browser, cart, items):
    text = "SKU;quantity\nPEN-1;2\nPAD-1;abc\nNOPE;1\nPEN-1;0\nINK-1;1\n"
    response = browser.post(f"/requisitions/{cart.pk}/import/", {"text": text})
    page = response.content.decode()
    assert "5 lines read · 2 added · 3 not added" in page


def test_an_empty_box_is_a_field_error_not_done(browser, cart):
    response = browser.post(f"/requisitions/{cart.pk}/import/", {"text": "  \n\n  "})
    assert response.status_code == 400
    assert response.context["text_error"].startswith("There was nothing to read")
    assert 'id="text-error"' in response.content.decode()
    assert cart.lines.count() == 0


def test_a_box_with_only_a_header_is_nothing_to_read(browser, cart):
    response = browser.post(f"/requisitions/{cart.pk}/import/", {"text": "SKU;quantity\n"})
    assert response.status_code == 400
    assert response.context["text_error"].startswith("There was nothing to read")


def test_an_empty_file_is_a_field_error_and_starts_no_import(browser, cart):
    upload = SimpleUploadedFile("empty.csv", b"\n \n", content_type="text/csv")
    response = browser.post(f"/requisitions/{cart.pk}/import/", {"file": upload})
    assert response.status_code == 400
    assert response.context["file_error"].startswith("There was nothing to read")
    assert not ImportJob.objects.exists()


def test_an_uploaded_file_with_only_a_header_fails_with_nothing_to_read(cart, requester):
    job = import_job_create(requisition=cart, by=requester, filename="header.csv", content=b"sku;quantity\n")
    job = import_job_process(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert job.message.startswith("There was nothing to read")


def test_the_api_says_nothing_to_read(api, cart):
    response = api.post(f"/api/v1/requisitions/{cart.pk}/quick-add/", {"text": " \n "}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "nothing_to_read"


def test_an_import_counts_parse_errors_among_the_lines_read(cart, requester, items):
    content = b"sku;quantity\nPEN-1;2\nPAD-1;abc\nNOPE;1\n"
    job = import_job_create(requisition=cart, by=requester, filename="mixed.csv", content=content)
    job = import_job_process(job_id=job.pk)
    assert (job.status, job.total_lines, job.processed_lines, job.added, len(job.errors)) == ("done", 3, 3, 1, 2)
    assert job.processed_lines == job.added + len(job.errors)


def test_thousands_of_unknown_skus_are_one_group(browser, cart, requester, items):
    content = ("sku;quantity\nPEN-1;1\nPAD-1;1\n" + "".join(f"GONE-{n};1\n" for n in range(3316))).encode()
    job = import_job_create(requisition=cart, by=requester, filename="old.csv", content=content)
    import_job_process(job_id=job.pk)

    page = browser.get(f"/requisitions/imports/{job.pk}/").content.decode()

    assert "3,318 of 3,318 lines read · 2 added · 3,316 not added" in page
    shown = ", ".join(str(line) for line in range(4, 24))
    assert f"Unknown SKU — 3,316 lines: {shown} …" in page
    assert page.count("Unknown SKU") == 1 and "GONE-3315" not in page


def test_the_api_groups_identical_errors(api, cart, items):
    text = "PEN-1,1\nA,1\nB,1\nC,1\nPAD-1,x"
    body = api.post(f"/api/v1/requisitions/{cart.pk}/quick-add/", {"text": text}, format="json").json()
    assert (body["lines_read"], body["added"], body["not_added"]) == (5, 1, 4)
    assert body["error_groups"] == [
        {"reason": "Unknown SKU", "count": 3, "lines": [2, 3, 4]},
        {"reason": "Quantity is not a number", "count": 1, "lines": [5]},
    ]
