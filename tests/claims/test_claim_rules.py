"""Who may raise and see a claim, the quantity bounds (received less claimed; for short, what is missing), photos
checked and shown only to those who may see the claim, and the API's refusals as {"code","message"}."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Claim
from claims.selectors import claimable_quantity
from procurement.models import Role
from tests.factories import EmployeeFactory, LegalEntityFactory
from tests.invoices.helpers import ordered

from .conftest import api_as, browser, png, receive


def post_claim(client, line_id, **fields):
    data = {"receipt_line": line_id, "kind": "damaged", "quantity": "1"}
    data.update(fields)
    return client.post("/api/v1/claims/", data, format="multipart" if "photos" in fields else "json")


def test_the_api_raises_a_claim_and_refuses_bad_quantities_with_code_and_message(delivery):
    line = delivery.receipt.lines.get()
    api = api_as(delivery.warehouse)

    made = post_claim(api, line.pk, quantity="7", comment="Scratched")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["number"], body["status"], body["kind"], body["quantity"], body["value"]) == (
        "CL-FR-TEST-000001", "open", "damaged", "7", {"amount": "87.50", "currency": "EUR"},
    )  # fmt: skip
    assert [event["event"] for event in body["history"]] == ["claims.claim.raised"]

    refusals = {
        "0": "The quantity claimed is more than 0.",
        "-1": "The quantity claimed is more than 0.",
        "0.0001": "The quantity has more than 3 decimals.",
        "4": "At most 3 can be claimed on line 1: what was received less what is claimed already.",
        "1e3": "At most 3 can be claimed on line 1: what was received less what is claimed already.",
        "NaN": "quantity is not a number: NaN.",
        "abc": "quantity is not a number: abc.",
    }
    for quantity, message in refusals.items():
        refused = post_claim(api, line.pk, quantity=quantity)
        assert (refused.status_code, refused.json()) == (400, {"code": "invalid", "message": message}), quantity
    assert post_claim(api, line.pk, kind="broken").json() == {
        "code": "invalid",
        "message": "Choose what is wrong: damaged, short, wrong_item, late, quality.",
    }
    assert post_claim(api, line.pk, comment="x" * 2001).json()["code"] == "invalid"
    assert post_claim(api, "12x").json() == {
        "code": "invalid",
        "message": "receipt_line must be the id of a goods receipt line.",
    }
    assert post_claim(api, 999999).status_code == 404
    assert post_claim(api, line.pk, quantity="3").status_code == 201
    assert Claim.objects.count() == 2


def test_short_claims_are_bounded_by_what_is_still_missing(world, warehouse):
    order = ordered(world, ("10", "5.00"))
    receipt = receive(order, warehouse, "6")
    line = receipt.lines.get()
    api = api_as(warehouse)
    assert claimable_quantity(receipt_line=line, kind="short") == Decimal(4)
    too_many = post_claim(api, line.pk, kind="short", quantity="5")
    assert too_many.json() == {
        "code": "invalid",
        "message": "At most 4 can be claimed short on line 1: that is what is still missing.",
    }
    assert post_claim(api, line.pk, kind="short", quantity="3").status_code == 201
    # Short claims do not use up what may be claimed on the goods that arrived, nor the other way round.
    assert post_claim(api, line.pk, kind="damaged", quantity="6").status_code == 201
    assert post_claim(api, line.pk, kind="short", quantity="2").json()["message"] == (
        "At most 1 can be claimed short on line 1: that is what is still missing."
    )


def test_only_receivers_and_buyers_of_the_entity_raise_and_other_entities_see_nothing(delivery):
    line = delivery.receipt.lines.get()
    france = delivery.world.france
    finance = EmployeeFactory(legal_entities=[france], roles=[Role.FINANCE])
    refused = post_claim(api_as(finance), line.pk)
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "code": "not_allowed",
            "message": f"You may not raise claims on {delivery.receipt.number}: its receivers and the buyers of "
            "FR-TEST may.",
        },
    )
    elsewhere = EmployeeFactory(legal_entities=[LegalEntityFactory(code="SE-TEST")], roles=[Role.BUYER])
    assert post_claim(api_as(elsewhere), line.pk).status_code == 404
    assert post_claim(api_as(delivery.world.buyer), line.pk).status_code == 201
    claim = Claim.objects.get()
    assert api_as(elsewhere).get(f"/api/v1/claims/{claim.pk}/").status_code == 404
    assert api_as(elsewhere).get("/api/v1/claims/").json() == {"results": []}
    assert browser(elsewhere).get(f"/claims/{claim.pk}/").status_code == 404
    assert browser(elsewhere).get(f"/claims/receipts/{delivery.receipt.pk}/new/").status_code == 404


def test_photos_are_checked_and_shown_only_to_those_who_may_see_the_claim(delivery):
    line = delivery.receipt.lines.get()
    page = browser(delivery.warehouse)
    fake = SimpleUploadedFile("invoice.png", b"%PDF-1.4 not a photo", content_type="image/png")
    refused = page.post(
        f"/claims/receipts/{delivery.receipt.pk}/new/",
        {"line": str(line.pk), "kind": "quality", "quantity": "2", "comment": "Rusty", "photos": [fake]},
    )
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "invoice.png is not a photo: send a JPEG, PNG or WebP image." in text
    assert (
        '<textarea class="form-control" id="claim-comment" name="comment" rows="3" maxlength="2000">Rusty</textarea>'
        in text
    )
    assert 'name="quantity" value="2"' in text
    assert Claim.objects.count() == 0

    six = [png(f"p{n}.png") for n in range(6)]
    too_many = page.post(
        f"/claims/receipts/{delivery.receipt.pk}/new/",
        {"line": str(line.pk), "kind": "quality", "quantity": "2", "photos": six},
    )
    assert "At most 5 photos per claim." in too_many.content.decode()

    made = post_claim(api_as(delivery.warehouse), line.pk, photos=[png("rust.png")], kind="quality")
    assert made.status_code == 201, made.json()
    claim = Claim.objects.get()
    photo = claim.photos.get()
    assert (photo.content_type, photo.original_name, photo.file.name.endswith(".png")) == (
        "image/png",
        "rust.png",
        True,
    )
    assert "rust" not in str(photo.file.name)  # stored under a random name
    url = f"/claims/{claim.pk}/photos/{photo.pk}/"
    shown = browser(delivery.world.buyer).get(url)
    assert (shown.status_code, shown["Content-Type"]) == (200, "image/png")
    assert shown.content.startswith(b"\x89PNG")
    elsewhere = EmployeeFactory(legal_entities=[LegalEntityFactory(code="SE-TEST")], roles=[Role.BUYER])
    assert browser(elsewhere).get(url).status_code == 404
    assert browser(delivery.world.buyer).get(f"/claims/{claim.pk}/photos/{photo.pk + 1}/").status_code == 404


def test_a_reversed_receipt_and_a_service_line_cannot_be_claimed(world, warehouse):
    order = ordered(world, ("1", "100.00"), by_amount=True)
    from p2p.receipts import goods_receipt_post
    from receiving.services import ReceiptLineInput

    receipt = goods_receipt_post(
        order=order, lines=[ReceiptLineInput(line=order.lines.get().pk, amount=Decimal(40))], note="", by=warehouse
    )
    refused = post_claim(api_as(warehouse), receipt.lines.get().pk)
    assert refused.json() == {
        "code": "invalid",
        "message": "Line 1 is a service received by amount: it cannot be claimed by quantity.",
    }
    goods = ordered(world, ("2", "3.00"))
    posted = receive(goods, warehouse, "2")
    api_as(warehouse).post(f"/api/v1/receipts/{posted.pk}/reverse/", {"reason": "Wrong order"}, format="json")
    assert post_claim(api_as(warehouse), posted.lines.get().pk).json()["message"] == (
        f"{posted.number} is reversed: nothing can be claimed on it."
    )


def test_the_api_reads_a_claim_and_a_buyer_closes_it_once_answered(delivery):
    line = delivery.receipt.lines.get()
    claim_id = post_claim(api_as(delivery.warehouse), line.pk).json()["id"]
    buyer = api_as(delivery.world.buyer)
    early = buyer.post(f"/api/v1/claims/{claim_id}/close/", {}, format="json")
    assert (early.status_code, early.json()) == (
        409,
        {"code": "transition_not_allowed", "message": "The claim is open: it cannot become closed."},
    )
    Claim.objects.filter(pk=claim_id).update(status="rejected", answer="rejection", rejection_reason="No")
    closed = buyer.post(f"/api/v1/claims/{claim_id}/close/", {"comment": "Accepted"}, format="json")
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["history"][-1]["data"]) == (
        "closed",
        {"from": "rejected", "to": "closed", "comment": "Accepted"},
    )
