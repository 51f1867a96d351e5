"""The sourcing pages and API as people use them: frank makes and sends a request on its page, the suppliers
answer on their link's page, the quotes stay sealed (page and API) until the due date, carol and erin score,
frank awards by the API; the supplier's link opens only its own quote page, and not after the due date."""

import re
from datetime import timedelta

from django.core import mail
from django.core.signing import dumps
from django.utils import timezone

from approvals.links import decision_link_url
from procurement.models import AuditEvent, LegalEntity
from requisitions.models import RequisitionLine
from sourcing.models import Invitation, RequestForQuotation
from tests.factories import EmployeeFactory, LegalEntityFactory

from .helpers import WEIGHTS, answer, committed, due_passes, links, person, sent_rfq


def form_post(invited, **changes):
    data = {
        "title": "Lab equipment",
        "description": "Delivered to the Lyon lab.",
        "due_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "line_count": "3",
        "line-1-description": "Centrifuge",
        "line-1-quantity": "2",
        "line-1-unit": "EA",
        "line-1-specification": "4,000 rpm",
        "line-2-description": "Pipette tips",
        "line-2-quantity": "10",
        "line-2-unit": "BX",
        "suppliers": [str(supplier.pk) for supplier in invited],
        "evaluators": [str(person("carol").pk), str(person("erin").pk)],
        **{f"weight-{criterion}": str(weight) for criterion, weight in WEIGHTS.items()},
    }
    data.update(changes)
    return data


def test_a_buyer_makes_and_sends_a_request_on_its_pages(acme, invited, client):
    client.force_login(person("frank").user)
    assert client.get("/sourcing/").status_code == 200
    # A bad form keeps what was typed and says what is wrong
    refused = client.post("/sourcing/new/", form_post(invited, **{"weight-price": "50"}))
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "The weights add up to 110: they must add up to 100." in page
    assert 'value="Centrifuge"' in page and 'value="4,000 rpm"' not in page  # a textarea keeps it as its text
    assert ">4,000 rpm</textarea>" in page
    # A good one makes a draft, which frank sends
    made = client.post("/sourcing/new/", form_post(invited))
    rfq = RequestForQuotation.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/sourcing/{rfq.pk}/"
    assert list(rfq.lines.values_list("description", "quantity", "unit")) == [
        ("Centrifuge", 2, "EA"),
        ("Pipette tips", 10, "BX"),
    ]
    with committed():
        assert client.post(f"/sourcing/{rfq.pk}/send/").status_code == 302
    rfq.refresh_from_db()
    assert rfq.status == "sent"
    assert sorted(message.to[0] for message in mail.outbox) == [
        "carol@acme.example",
        "erin@acme.example",
        "sales@alpha.example",
        "sales@bravo.example",
        "sales@charlie.example",
    ]
    detail = client.get(f"/sourcing/{rfq.pk}/").content.decode()
    assert "0 of 3 suppliers have quoted." in detail
    assert client.get("/sourcing/").content.decode().count(f'data-rfq="{rfq.number}"') == 1


def test_a_requisition_s_unpriced_lines_prefill_the_form(acme, invited, client):
    from .test_rfq_flow import alice_cart

    cart = alice_cart()
    client.force_login(person("frank").user)
    page = client.get(f"/sourcing/new/?requisition={cart.pk}").content.decode()
    assert 'value="Centrifuge, 4,000 rpm"' in page and 'value="Pipette tips, 200 µl"' in page
    line_ids = list(
        RequisitionLine.objects.filter(requisition=cart).order_by("line_number").values_list("pk", flat=True)
    )
    assert f'name="line-1-requisition_line" value="{line_ids[0]}"' in page


def test_the_supplier_answers_and_revises_on_its_page(acme, invited, client):
    rfq = sent_rfq(invited)
    path = links(rfq)["ALPHA"]
    lines = list(rfq.lines.order_by("line_number"))
    page = client.get(path)
    assert page.status_code == 200
    assert "Centrifuge" in page.content.decode() and "Alpha Lab" in page.content.decode()
    valid = (timezone.localdate() + timedelta(days=30)).isoformat()
    data = {
        f"price-{lines[0].pk}": "250.00",
        f"lead_time-{lines[0].pk}": "5",
        f"valid_until-{lines[0].pk}": valid,
        f"price-{lines[1].pk}": "12.505",
        f"lead_time-{lines[1].pk}": "5",
        f"valid_until-{lines[1].pk}": valid,
        "note": "Free delivery",
    }
    refused = client.post(path, data)
    assert refused.status_code == 400
    assert "Line 2: 12.505 has more decimals than EUR has." in refused.content.decode()
    assert 'value="12.505"' in refused.content.decode()
    assert rfq.quotes.count() == 0
    data[f"price-{lines[1].pk}"] = "12,50"
    assert client.post(path, data).status_code == 302
    data[f"price-{lines[1].pk}"] = "12.40"
    assert client.post(path, data).status_code == 302
    quote = rfq.quotes.get()
    assert (
        quote.revision,
        list(quote.lines.order_by("rfq_line__line_number").values_list("unit_price_minor", flat=True)),
    ) == (
        2,
        [250_00, 12_40],
    )
    assert "Your quote is received (revision 2" in client.get(path).content.decode()


def test_quotes_are_sealed_before_the_due_date_by_page_and_api(acme, invited, client, api_client):
    rfq = sent_rfq(invited)
    answer(rfq, "ALPHA", "250.00", "12.50")
    answer(rfq, "BRAVO", "240.00", "13.00")
    for username in ("frank", "carol", "erin"):
        client.force_login(person(username).user)
        for page in ("compare", "score", "award") if username == "frank" else ("compare", "score"):
            response = client.get(f"/sourcing/{rfq.pk}/{page}/")
            body = response.content.decode()
            assert (response.status_code, "250" in body, "240" in body) == (403, False, False), (username, page)
            assert f"Quotes of {rfq.number} are sealed until its due date" in body
        if username != "frank":
            assert client.get(f"/sourcing/{rfq.pk}/award/").status_code == 403
        assert "2 of 3 suppliers have quoted." in client.get(f"/sourcing/{rfq.pk}/").content.decode()
        api_client.force_authenticate(person(username).user)
        answer_api = api_client.get(f"/api/v1/rfqs/{rfq.pk}/")
        assert (answer_api.status_code, answer_api.json()["sealed"], answer_api.json()["quotes"]) == (200, True, None)
        assert "250" not in answer_api.content.decode()
        scores = api_client.get(f"/api/v1/rfqs/{rfq.pk}/scores/")
        assert (scores.status_code, scores.json()["code"]) == (403, "quotes_sealed")
    award = api_client.post(f"/api/v1/rfqs/{rfq.pk}/award/", {"lines": [], "justification": "x"}, format="json")
    assert (award.status_code, award.json()["code"]) == (403, "not_allowed")  # erin is no buyer
    api_client.force_authenticate(person("frank").user)
    award = api_client.post(f"/api/v1/rfqs/{rfq.pk}/award/", {"lines": [], "justification": "x"}, format="json")
    assert (award.status_code, award.json()["code"]) == (409, "quotes_sealed")


def test_the_supplier_link_opens_only_its_own_quote_page_and_expires(acme, invited, client):
    rfq = sent_rfq(invited)
    path = links(rfq)["ALPHA"]
    token = path.rstrip("/").rsplit("/", 1)[-1]
    # Altered, or made for another purpose with the same key: refused
    assert client.get(path[:-3] + "xx/").status_code == 404
    other_purpose = dumps({"i": Invitation.objects.get(rfq=rfq, supplier__code="ALPHA").pk, "r": rfq.pk, "s": "x"})
    assert client.get(f"/sourcing/quote/{other_purpose}/").status_code == 404
    approval_link = decision_link_url(task_id=1, user_id=person("carol").user_id).rsplit("/", 2)[-2]
    assert client.get(f"/sourcing/quote/{approval_link}/").status_code == 404
    # It opens no other page: the request's own pages and the API want a login
    assert client.get(f"/sourcing/{rfq.pk}/")["Location"] == f"/login/?next=/sourcing/{rfq.pk}/"
    assert client.get(f"/api/v1/rfqs/{rfq.pk}/", HTTP_AUTHORIZATION=f"Token {token}").status_code in (401, 403)
    # After the due date it says so
    due_passes(rfq)
    expired = client.get(path)
    assert expired.status_code == 410
    assert f"The due date of {rfq.number} (" in expired.content.decode()
    assert "has passed: quotes are no longer accepted." in expired.content.decode()


def test_after_the_due_date_evaluators_score_on_their_page_and_the_buyer_awards_by_api(
    acme, invited, client, api_client
):
    rfq = sent_rfq(invited)
    answer(rfq, "ALPHA", "250.00", "12.50")
    answer(rfq, "BRAVO", "240.00", "13.00")
    late = links(rfq)["CHARLIE"]
    rfq = due_passes(rfq)
    assert client.get(late).status_code == 410

    client.force_login(person("frank").user)
    comparison = client.get(f"/sourcing/{rfq.pk}/compare/").content.decode()
    assert re.findall(
        r'data-supplier="(\w+)"><strong>([\d.]+)', comparison.replace("\xa0", " ").replace(" EUR", "")
    ) == [
        ("BRAVO", "240.00"),
        ("ALPHA", "12.50"),
    ]
    quotes = {quote.invitation.supplier.code: quote.pk for quote in rfq.quotes.select_related("invitation__supplier")}

    def score_form(values):
        return {
            f"score-{quotes[code]}-{criterion}": str(value)
            for code, four in values.items()
            for criterion, value in zip(("price", "delivery", "quality", "terms"), four, strict=True)
        }

    client.force_login(person("carol").user)
    incomplete = client.post(f"/sourcing/{rfq.pk}/score/", {f"score-{quotes['ALPHA']}-price": "8"})
    assert incomplete.status_code == 400
    assert "Score Alpha Lab on delivery." in incomplete.content.decode()
    assert (
        client.post(
            f"/sourcing/{rfq.pk}/score/", score_form({"ALPHA": (8, 9, 7, 6), "BRAVO": (9, 6, 8, 8)})
        ).status_code
        == 302
    )
    client.force_login(person("erin").user)
    before = client.get(f"/sourcing/{rfq.pk}/score/").content.decode()
    assert 'id="score-results"' not in before and 'value="8"' not in before  # carol's scores are hers alone
    assert (
        client.post(
            f"/sourcing/{rfq.pk}/score/", score_form({"ALPHA": (6, 9, 9, 6), "BRAVO": (9, 8, 8, 8)})
        ).status_code
        == 302
    )
    results = client.get(f"/sourcing/{rfq.pk}/score/").content.decode()
    assert re.findall(r'data-supplier="(\w+)">.*?<strong>([\d.]+)</strong>', results) == [
        ("BRAVO", "82.00"),
        ("ALPHA", "76.00"),
    ]

    api_client.force_authenticate(person("frank").user)
    detail = api_client.get(f"/api/v1/rfqs/{rfq.pk}/").json()
    price = {(quote["supplier"], line["line"]): line["id"] for quote in detail["quotes"] for line in quote["lines"]}
    assert [(quote["supplier"], [line["unit_price"] for line in quote["lines"]]) for quote in detail["quotes"]] == [
        ("ALPHA", [{"amount": "250.00", "currency": "EUR"}, {"amount": "12.50", "currency": "EUR"}]),
        ("BRAVO", [{"amount": "240.00", "currency": "EUR"}, {"amount": "13.00", "currency": "EUR"}]),
    ]
    lines = {line["line"]: line["id"] for line in detail["lines"]}
    with committed():
        awarded = api_client.post(
            f"/api/v1/rfqs/{rfq.pk}/award/",
            {
                "lines": [
                    {"line": lines[1], "quote_line": price[("BRAVO", 1)]},
                    {"line": lines[2], "quote_line": price[("ALPHA", 2)]},
                ],
                "justification": "Cheapest per line.",
            },
            format="json",
        )
    assert awarded.status_code == 200, awarded.content
    number = awarded.json()["award_requisition"]
    assert list(
        RequisitionLine.objects.filter(requisition__number=number)
        .order_by("line_number")
        .values_list("supplier__code", "unit_price_minor", "source", "requisition__requester__user__username")
    ) == [("BRAVO", 240_00, "quote", "frank"), ("ALPHA", 12_50, "quote", "frank")]
    # Charlie never quoted: nobody e-mails it a refusal; everyone quoted was told or awarded
    assert dict(Invitation.objects.filter(rfq=rfq).values_list("supplier__code", "outcome")) == {
        "ALPHA": "awarded",
        "BRAVO": "awarded",
        "CHARLIE": "declined",
    }
    assert AuditEvent.objects.filter(event_type="sourcing.rfq.awarded").count() == 1


def test_nobody_outside_the_entity_sees_a_request(acme, invited, client, api_client):
    rfq = sent_rfq(invited)
    elsewhere = LegalEntityFactory(code="OTHER", name="Other SA")
    stranger = EmployeeFactory(legal_entities=[elsewhere], roles=["buyer"])
    client.force_login(stranger.user)
    assert client.get(f"/sourcing/{rfq.pk}/").status_code == 404
    api_client.force_authenticate(stranger.user)
    assert api_client.get(f"/api/v1/rfqs/{rfq.pk}/").status_code == 404
    assert api_client.get("/api/v1/rfqs/").json()["results"] == []
    # alice, a colleague who is neither buyer, evaluator nor requester, does not see it either
    api_client.force_authenticate(person("alice").user)
    assert api_client.get(f"/api/v1/rfqs/{rfq.pk}/").status_code == 404


def test_the_api_makes_and_sends_a_request(acme, invited, api_client):
    api_client.force_authenticate(person("frank").user)
    body = {
        "legal_entity": "ACME-FR",
        "title": "Lab equipment",
        "due_at": "2026-12-03T17:00:00",
        "lines": [{"description": "Centrifuge", "quantity": "2", "unit": "EA"}],
        "suppliers": [supplier.pk for supplier in invited[:2]],
        "evaluators": [person("carol").pk],
        "weights": WEIGHTS,
    }
    naive = api_client.post("/api/v1/rfqs/", body, format="json")
    assert (naive.status_code, naive.json()["code"]) == (400, "invalid")
    body["due_at"] = (timezone.now() + timedelta(days=2)).isoformat()
    made = api_client.post("/api/v1/rfqs/", body, format="json")
    assert made.status_code == 201, made.content
    assert (made.json()["status"], made.json()["sealed"], made.json()["quotes"]) == ("draft", True, None)
    with committed():
        sent = api_client.post(f"/api/v1/rfqs/{made.json()['id']}/send/")
    assert (sent.status_code, sent.json()["status"]) == (200, "sent")
    assert len(mail.outbox) == 3
    again = api_client.post(f"/api/v1/rfqs/{made.json()['id']}/send/")
    assert (again.status_code, again.json()["code"]) == (409, "not_editable")
    assert LegalEntity.objects.filter(code="ACME-FR").exists()


def test_files_go_with_the_request_and_the_supplier_downloads_them_by_its_link(acme, invited, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(person("frank").user)
    drawing = SimpleUploadedFile("centrifuge-spec.pdf", b"%PDF-1.4 spec", content_type="application/pdf")
    too_big = SimpleUploadedFile("huge.bin", b"x" * (5 * 1024 * 1024 + 1))
    refused = client.post("/sourcing/new/", {**form_post(invited), "attachments": [too_big]})
    assert refused.status_code == 400 and "huge.bin is larger than 5 MB." in refused.content.decode()
    assert RequestForQuotation.objects.count() == 0  # nothing half made
    client.post("/sourcing/new/", {**form_post(invited), "attachments": [drawing]})
    rfq = RequestForQuotation.objects.get()
    with committed():
        client.post(f"/sourcing/{rfq.pk}/send/")
    file_id = rfq.attachments.get().pk
    client.logout()
    path = links(rfq)["BRAVO"]
    page = client.get(path)
    assert (page["Cache-Control"], page["Referrer-Policy"]) == ("no-store", "same-origin")
    assert "centrifuge-spec.pdf" in page.content.decode()
    download = client.get(f"{path}files/{file_id}/")
    assert (download.status_code, download.content, download["Content-Disposition"]) == (
        200,
        b"%PDF-1.4 spec",
        'attachment; filename="centrifuge-spec.pdf"',
    )


def test_the_admin_lists_no_quote_before_the_due_date(acme, invited, client):
    from tests.factories import UserFactory

    rfq = sent_rfq(invited)
    answer(rfq, "ALPHA", "250.00", "12.50")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in ("quote", "quoteline", "score"):
        page = client.get(f"/admin/sourcing/{model}/")
        assert (page.status_code, "250" in page.content.decode()) == (200, False), model
    assert "0 quote lines" in client.get("/admin/sourcing/quoteline/").content.decode()
    due_passes(rfq)
    assert "2 quote lines" in client.get("/admin/sourcing/quoteline/").content.decode()


def test_a_draft_is_changed_on_its_page_and_a_sent_request_is_cancelled_with_the_suppliers_told(acme, invited, client):
    client.force_login(person("frank").user)
    client.post("/sourcing/new/", form_post(invited))
    rfq = RequestForQuotation.objects.get()
    page = client.get(f"/sourcing/{rfq.pk}/edit/").content.decode()
    assert 'value="Centrifuge"' in page and 'value="Lab equipment"' in page
    changed = client.post(
        f"/sourcing/{rfq.pk}/edit/",
        form_post(invited[:2], title="Lab kit", **{"line-2-description": "", "line-2-quantity": ""}),
    )
    assert changed.status_code == 302
    rfq.refresh_from_db()
    assert (rfq.title, rfq.lines.count(), sorted(rfq.invitations.values_list("supplier__code", flat=True))) == (
        "Lab kit",
        1,
        ["ALPHA", "BRAVO"],
    )
    with committed():
        client.post(f"/sourcing/{rfq.pk}/send/")
    assert client.get(f"/sourcing/{rfq.pk}/edit/")["Location"] == f"/sourcing/{rfq.pk}/"
    path = links(rfq)["ALPHA"]
    mail.outbox.clear()
    assert client.post(f"/sourcing/{rfq.pk}/cancel/", {"reason": ""}).status_code == 302
    rfq.refresh_from_db()
    assert rfq.status == "sent"  # a reason is required
    with committed():
        client.post(f"/sourcing/{rfq.pk}/cancel/", {"reason": "The lab move is postponed."})
    rfq.refresh_from_db()
    assert rfq.status == "cancelled"
    assert sorted(message.to[0] for message in mail.outbox) == ["sales@alpha.example", "sales@bravo.example"]
    client.logout()
    gone = client.get(path)
    assert gone.status_code == 410
    assert f"{rfq.number} is cancelled: quotes are no longer accepted." in gone.content.decode()


def test_an_evaluator_scores_by_the_api(acme, invited, api_client):
    rfq = sent_rfq(invited, evaluators=("carol",))
    answer(rfq, "ALPHA", "250.00", "12.50")
    answer(rfq, "BRAVO", "240.00", "13.00")
    rfq = due_passes(rfq)
    quotes = {quote.invitation.supplier.code: quote.pk for quote in rfq.quotes.select_related("invitation__supplier")}
    api_client.force_authenticate(person("carol").user)
    url = f"/api/v1/rfqs/{rfq.pk}/scores/"
    scores = [
        {"quote": quotes[code], "criterion": criterion, "value": value}
        for code, value in (("ALPHA", 6), ("BRAVO", 9))
        for criterion in ("price", "delivery", "quality", "terms")
    ]
    bad = api_client.post(url, {"scores": [{**scores[0], "value": 11}, *scores[1:]]}, format="json")
    assert (bad.status_code, bad.json()["message"]) == (400, "A score must be a whole number from 0 to 10.")
    done = api_client.post(url, {"scores": scores}, format="json")
    assert done.status_code == 200, done.content
    # carol is the whole committee: her scores reveal the totals at once
    assert (done.json()["revealed"], [(result["supplier"], result["total"]) for result in done.json()["results"]]) == (
        True,
        [("BRAVO", "90.00"), ("ALPHA", "60.00")],
    )
    api_client.force_authenticate(person("erin").user)  # not on this committee, not a buyer
    assert api_client.get(url).status_code == 404


def test_the_buyer_starts_a_request_from_a_requisition_listed_on_the_index(acme, invited, client):
    from .test_rfq_flow import alice_cart

    cart = alice_cart()
    client.force_login(person("frank").user)
    index = client.get("/sourcing/").content.decode()
    assert f'<option value="{cart.pk}">{cart.number} · Lab refit · Alice Martin</option>' in index
    client.force_login(person("alice").user)  # not a buyer: no such form
    assert 'id="rfq-from-requisition"' not in client.get("/sourcing/").content.decode()
