"""Spend analytics: each figure of the API, computed from a generated data set (entities in EUR and SEK, lines in
USD at stored rates, suppliers, UNSPSC classes, months, contract and off-contract lines, orders, invoices, awards),
equals the same figure computed here in plain Python from the rows as generated; a change (an approval, an invoice)
refreshes exactly the rows it touches; bad parameters answer 400; a user sees only their entities."""

import datetime
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from analytics.models import SpendFact
from analytics.spend import spend_refresh
from invoices.models import Invoice, InvoiceLine
from orders.models import PurchaseOrder, PurchaseOrderLine
from procurement.events import audit_event_record
from procurement.models import Category, Contract, Role
from requisitions.models import Requisition, RequisitionEvent, RequisitionLine
from sourcing.models import Award, Invitation, Quote, QuoteLine, RequestForQuotation, RFQLine
from tests.factories import (
    CatalogItemFactory,
    CostCentreFactory,
    EmployeeFactory,
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
)

DIGITS = {"EUR": 2, "SEK": 2, "USD": 2, "JPY": 0}
COMMITTED = {"approved", "ordered", "received", "invoiced", "closed"}
REQUESTED = COMMITTED | {"submitted", "in_approval"}
CLASSES = ["43211500", "43211900", "43222600", "44121600", "44122000", "", "4321"]
MONTHS = [datetime.date(2026, month, 1) for month in range(1, 7)]


def convert(amount: int, source: str, target: str, rate: str | None) -> int | None:
    """amount × rate in the target's minor units, half up: written out here, not the product's function."""
    if source == target:
        return amount
    if rate is None:
        return None
    exact = Decimal(amount) * Decimal(rate) * Decimal(10) ** (DIGITS[target] - DIGITS[source])
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Row:
    """One generated requisition line with what the figures need, as written to the database."""

    line_id: int
    requisition_id: int
    entity: str
    entity_currency: str
    month: datetime.date
    status: str
    supplier: str | None
    unspsc: str
    cost_centre: str | None
    requester_id: int
    on_contract: bool
    currency: str
    rates: dict
    total: int
    known: bool  # the requisition's total is known (every rate stored)
    invoiced: list  # (currency, amount)
    reference: int | None  # what it would have cost without the negotiation, in the line's currency


@dataclass
class DataSet:
    erin: object
    rows: list[Row]
    people: dict


def _generate(seed: int = 7) -> DataSet:
    rng = random.Random(seed)
    france = LegalEntityFactory(code="ACME-FR", currency="EUR", name="Acme France")
    sweden = LegalEntityFactory(code="ACME-SE", currency="SEK", name="Acme Sverige")
    other = LegalEntityFactory(code="OTHER", currency="EUR", name="Other company")
    erin = EmployeeFactory(
        user=UserFactory(username="erin", first_name="Erin", last_name="Laurent"),
        legal_entities=[france, sweden],
        roles=[Role.FINANCE],
    )
    alice = EmployeeFactory(user=UserFactory(username="alice"), legal_entities=[france, sweden, other])
    bob = EmployeeFactory(user=UserFactory(username="bob"), legal_entities=[france, sweden])
    people = {"erin": erin, "alice": alice, "bob": bob}
    suppliers = [
        SupplierFactory(code="DURAND", name="Fournitures Durand", currency="EUR"),
        SupplierFactory(code="NORDIC", name="Nordic IT", currency="SEK"),
        SupplierFactory(code="ACMEUS", name="Acme US", currency="USD"),
        SupplierFactory(code="LAB", name="Labsource", currency="EUR"),
    ]
    for code, name in [("43000000", "IT"), ("43210000", "Computer equipment"), ("43211500", "Computers")]:
        Category.objects.get_or_create(code=code, defaults={"name": name})
    centres = {
        entity.code: [CostCentreFactory(legal_entity=entity, code=f"{entity.code[-2:]}-{n}") for n in ("ENG", "LAB")]  # type: ignore[index]
        for entity in (france, sweden, other)
    }
    contracts = {
        (entity.code, supplier.code): Contract.objects.create(
            number=f"C-{entity.code}-{supplier.code}",
            title="Framework",
            supplier=supplier,
            legal_entity=entity,
            valid_from=datetime.date(2026, 1, 1),
            valid_to=datetime.date(2026, 12, 31),
            currency=supplier.currency,
        )
        for entity in (france, sweden, other)
        for supplier in suppliers
    }
    items = {supplier.code: CatalogItemFactory(supplier=supplier, base_price_minor=12_345) for supplier in suppliers}
    rates = {("USD", "EUR"): "0.9200000000", ("USD", "SEK"): "10.3500000000", ("SEK", "EUR"): "0.0890000000"}
    rates[("EUR", "SEK")] = "11.2500000000"
    rows: list[Row] = []
    statuses = [
        "approved",
        "ordered",
        "received",
        "invoiced",
        "closed",
        "submitted",
        "in_approval",
        "rejected",
        "draft",
    ]
    number = 0
    zone = timezone.get_current_timezone()
    for entity in (france, sweden, other):
        for _ in range(14):
            number += 1
            month = rng.choice(MONTHS)
            submitted = datetime.datetime(month.year, month.month, rng.randint(1, 28), 12, tzinfo=zone)
            if rng.random() < 0.1:  # the first moment of the month, in the site's time zone
                submitted = datetime.datetime(month.year, month.month, 1, 0, 0, tzinfo=zone)
            status = rng.choice(statuses)
            requester, on_behalf = rng.choice([(alice, None), (bob, None), (alice, bob)])
            requisition = Requisition.objects.create(
                legal_entity=entity,
                number=f"R-{number}",
                requester=requester,
                on_behalf_of=on_behalf,
                title="Gen",
                currency=entity.currency,
                status=status,
                submitted_at=None if status == "draft" else submitted,
            )
            line_rates: dict[str, str | None] = {}
            lines = []
            for line_number in range(1, rng.randint(2, 6)):
                supplier = rng.choice([*suppliers, None])
                currency = supplier.currency if supplier else entity.currency
                if currency != entity.currency:
                    line_rates[currency] = rates.get((currency, entity.currency))
                on_contract = supplier is not None and rng.random() < 0.4
                quantity = Decimal(rng.choice(["1", "2.5", "3", "10"]))
                price = rng.randint(100, 200_000)
                basis = Decimal(rng.choice(["1", "1", "100"]))
                total = int((quantity * price / basis).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                lines.append(
                    RequisitionLine(
                        requisition=requisition,
                        line_number=line_number,
                        source="free_text",
                        supplier=supplier,
                        contract=contracts[(entity.code, supplier.code)] if on_contract else None,
                        catalog_item=items[supplier.code] if on_contract else None,
                        description=f"Line {line_number}",
                        quantity=quantity,
                        unit="EA",
                        unit_price_minor=price,
                        price_basis_quantity=basis,
                        currency=currency,
                        total_minor=total,
                        unspsc=rng.choice(CLASSES)[:8].replace("00", "0" + str(rng.randint(0, 9)), 1)
                        if rng.random() < 0.3
                        else rng.choice(CLASSES),
                        cost_centre=rng.choice([*centres[entity.code], None]),
                    )
                )
            RequisitionLine.objects.bulk_create(lines)
            if "SEK" in line_rates and entity.currency == "EUR" and rng.random() < 0.3:
                line_rates["SEK"] = None  # a rate not stored: the line is not counted
            requisition.total_rates = line_rates
            requisition.total_minor = None if None in line_rates.values() else 0  # unknown while a rate is missing
            requisition.save(update_fields=["total_rates", "total_minor"])
            for line in lines:
                invoiced: list = []
                if status in COMMITTED and line.supplier and rng.random() < 0.7:
                    order = PurchaseOrder.objects.create(
                        legal_entity=entity,
                        number=f"PO-{number}-{line.line_number}",
                        supplier=line.supplier,
                        currency=line.currency,
                        requisition=requisition,
                        method="none",
                    )
                    billed = rng.choice([0, line.total_minor, line.total_minor // 3])
                    PurchaseOrderLine.objects.create(
                        purchase_order=order,
                        line_number=1,
                        requisition_line=line,
                        description=line.description,
                        quantity=line.quantity,
                        unit="EA",
                        unit_price_minor=line.unit_price_minor,
                        total_minor=line.total_minor,
                        invoiced_amount_minor=billed,
                    )
                    invoiced.append((line.currency, billed))
                reference = None
                if line.contract_id:
                    reference = int(
                        (line.quantity * 12_345).quantize(Decimal(1), rounding=ROUND_HALF_UP)
                    )  # the catalog item's base price
                rows.append(
                    Row(
                        line_id=line.pk,
                        requisition_id=requisition.pk,
                        entity=entity.code,
                        entity_currency=entity.currency,
                        month=timezone.localtime(submitted).date().replace(day=1),
                        status=status,
                        supplier=line.supplier.code if line.supplier else None,
                        unspsc=line.unspsc,
                        cost_centre=line.cost_centre.code if line.cost_centre else None,
                        requester_id=(on_behalf or requester).pk,
                        on_contract=line.contract_id is not None,
                        currency=line.currency,
                        rates=line_rates,
                        total=line.total_minor,
                        known=None not in line_rates.values(),
                        invoiced=invoiced,
                        reference=reference,
                    )
                )
    _award(rows, erin, france)
    return DataSet(erin=erin, rows=rows, people=people)


def _award(rows: list[Row], buyer, france) -> None:
    """One committed off-contract line of ACME-FR bought through a request for quotation: two quotes, the cheaper
    awarded; its reference is the higher quote."""
    row = next(r for r in rows if r.entity == "ACME-FR" and r.status in COMMITTED and not r.on_contract and r.supplier)
    line = RequisitionLine.objects.get(pk=row.line_id)
    rfq = RequestForQuotation.objects.create(
        legal_entity=france,
        number="RFQ-1",
        title="Quotes",
        currency="EUR",
        due_at=timezone.now(),
        buyer=buyer,
        requester=buyer,
    )
    rfq_line = RFQLine.objects.create(rfq=rfq, line_number=1, description="x", quantity=line.quantity, unit="EA")
    quote_lines = []
    for supplier_code, price in ((row.supplier, line.unit_price_minor), ("LAB", line.unit_price_minor + 777)):
        from procurement.models import Supplier

        invitation = Invitation.objects.create(rfq=rfq, supplier=Supplier.objects.get(code=supplier_code))
        quote = Quote.objects.create(
            invitation=invitation, rfq=rfq, currency=line.currency, submitted_at=timezone.now()
        )
        quote_lines.append(
            QuoteLine.objects.create(
                quote=quote,
                rfq_line=rfq_line,
                unit_price_minor=price,
                lead_time_days=5,
                valid_until=datetime.date(2026, 12, 31),
            )
        )
    Award.objects.create(rfq=rfq, rfq_line=rfq_line, quote_line=quote_lines[0], requisition_line=line, awarded_by=buyer)
    highest = line.unit_price_minor + 777
    row.reference = int(
        (line.quantity * highest / line.price_basis_quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )


def _class(code: str) -> str:
    return code[:6] + "00" if len(code) >= 6 and code[:6].isdigit() else ""


def _key(row: Row, by: str, level: str = "segment") -> str:
    if by == "category":
        klass = _class(row.unspsc)
        return klass[: {"segment": 2, "family": 4, "class": 6}[level]] if klass else ""
    if by == "supplier":
        return row.supplier or ""
    if by == "cost_centre":
        return row.cost_centre or ""
    if by == "legal_entity":
        return row.entity
    if by == "requester":
        return str(row.requester_id)
    return row.month.strftime("%Y-%m")


def expected(rows: list[Row], by: str, level: str = "segment", keep=lambda row: True) -> dict:
    """The figures per (key, currency) computed from the generated rows, as docs/analytics.md defines them."""
    found: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row.entity == "OTHER" or row.status not in REQUESTED or not row.known or not keep(row):
            continue
        amount = convert(row.total, row.currency, row.entity_currency, row.rates.get(row.currency))
        if amount is None:
            continue
        figures = found[(_key(row, by, level), row.entity_currency)]
        figures["lines"] += 1
        figures["requested"] += amount
        if row.status in COMMITTED:
            figures["committed"] += amount
            if row.on_contract:
                figures["on_contract"] += amount
            for currency, billed in row.invoiced:
                figures["actual"] += convert(billed, currency, row.entity_currency, row.rates.get(currency)) or 0
            if row.reference is not None:
                figures["savings"] += (
                    convert(row.reference - row.total, row.currency, row.entity_currency, row.rates.get(row.currency))
                    or 0
                )
    return found


def _text(minor: int, currency: str) -> str:
    digits = DIGITS[currency]
    value = (Decimal(minor) / Decimal(10) ** digits).quantize(Decimal(1).scaleb(-digits))
    return format(value, "f")


def _as_api(found: dict) -> dict:
    return {
        key: {
            "requested": _text(f["requested"], key[1]),
            "committed": _text(f["committed"], key[1]),
            "on_contract": _text(f["on_contract"], key[1]),
            "off_contract": _text(f["committed"] - f["on_contract"], key[1]),
            "actual": _text(f["actual"], key[1]),
            "savings": _text(f["savings"], key[1]),
            "lines": f["lines"],
        }
        for key, f in found.items()
    }


def _answer(api_client, query: str) -> dict:
    response = api_client.get("/api/v1/analytics/spend/" + query)
    assert response.status_code == 200, response.content
    return {
        (row["key"], row["currency"]): {
            name: row[name]
            for name in ("requested", "committed", "on_contract", "off_contract", "actual", "savings", "lines")
        }
        for row in response.json()["results"]
    }


@pytest.fixture
def data(db):
    generated = _generate()
    spend_refresh(full=True)
    return generated


@pytest.mark.parametrize("by", ["category", "supplier", "cost_centre", "legal_entity", "requester", "month"])
def test_each_dimension_equals_the_figures_computed_from_the_lines(data, api_client, by):
    api_client.force_authenticate(data.erin.user)
    assert _answer(api_client, f"?by={by}") == _as_api(expected(data.rows, by))


def test_categories_drill_from_segment_to_family_to_class_with_filters(data, api_client):
    api_client.force_authenticate(data.erin.user)
    assert _answer(api_client, "?by=category&level=family&parent=43") == _as_api(
        expected(data.rows, "category", "family", lambda r: _class(r.unspsc).startswith("43"))
    )
    assert _answer(api_client, "?by=category&category=4321&legal_entity=acme-fr&from=2026-02&to=2026-05") == _as_api(
        expected(
            data.rows,
            "category",
            "class",
            lambda r: (
                _class(r.unspsc).startswith("4321") and r.entity == "ACME-FR" and MONTHS[1] <= r.month <= MONTHS[4]
            ),
        )
    )
    assert _answer(api_client, "?by=supplier&contract=off&category=none") == _as_api(
        expected(data.rows, "supplier", keep=lambda r: not r.on_contract and not _class(r.unspsc))
    )
    bob = data.people["bob"]
    assert _answer(api_client, f"?by=month&requester={bob.pk}&supplier=nordic&contract=on") == _as_api(
        expected(
            data.rows, "month", keep=lambda r: r.requester_id == bob.pk and r.supplier == "NORDIC" and r.on_contract
        )
    )
    assert _answer(api_client, "?by=cost_centre&legal_entity=ACME-SE&cost_centre=SE-LAB") == _as_api(
        expected(data.rows, "cost_centre", keep=lambda r: r.entity == "ACME-SE" and r.cost_centre == "SE-LAB")
    )


def test_savings_count_the_award_against_the_highest_quote_and_contracts_against_the_list_price(data, api_client):
    api_client.force_authenticate(data.erin.user)
    totals = api_client.get("/api/v1/analytics/spend/?by=legal_entity").json()["totals"]
    found = expected(data.rows, "legal_entity")
    assert {row["currency"]: row["savings"] for row in totals} == {
        currency: _text(sum(f["savings"] for (k, c), f in found.items() if c == currency), currency)
        for currency in ("EUR", "SEK")
    }
    assert any(row.reference is not None and not row.on_contract for row in data.rows)  # the award is in the set


def test_the_lines_behind_a_row_are_the_lines_it_counts_with_their_orders(data, api_client):
    api_client.force_authenticate(data.erin.user)
    spend = api_client.get("/api/v1/analytics/spend/?by=category&level=class&legal_entity=ACME-FR").json()
    row = next(r for r in spend["results"] if r["key"])
    answer = api_client.get(
        f"/api/v1/analytics/spend/lines/?legal_entity=ACME-FR&category={row['key']}&limit=500"
    ).json()
    counted = [
        r
        for r in data.rows
        if r.entity == "ACME-FR" and r.status in REQUESTED and _class(r.unspsc).startswith(row["key"]) and r.known
    ]
    assert answer["count"] == row["lines"] == len(counted)
    numbers = {f"R-{r.requisition_id}" for r in counted}
    assert {line["requisition"] for line in answer["results"]} <= {
        req.number for req in Requisition.objects.filter(pk__in={r.requisition_id for r in counted})
    }
    assert numbers  # the row has lines
    orders = {
        line.purchase_order.number
        for line in PurchaseOrderLine.objects.filter(
            requisition_line_id__in={r.line_id for r in counted}
        ).select_related("purchase_order")
    }
    assert {number for line in answer["results"] for number in line["purchase_orders"].split()} == orders


def _facts() -> dict:
    return {
        (f.legal_entity_id, f.month, f.supplier_id, f.unspsc_class, f.cost_centre_id, f.requester_id, f.on_contract): (
            f.pk,
            f.requested_minor,
            f.committed_minor,
            f.actual_minor,
            f.savings_minor,
            f.line_count,
            f.refreshed_at,
        )
        for f in SpendFact.objects.all()
    }


def test_an_approval_and_an_invoice_refresh_exactly_the_rows_they_touch(data, api_client):
    before = _facts()
    assert spend_refresh().created + spend_refresh().updated == 0  # nothing changed: nothing written
    assert _facts() == before
    # An approval: a waiting requisition moves to approved, with the change-log row a status move writes.
    waiting = next(r for r in data.rows if r.status in ("submitted", "in_approval") and r.entity != "OTHER" and r.known)
    requisition = Requisition.objects.get(pk=waiting.requisition_id)
    requisition.status = "approved"
    requisition.save(update_fields=["status"])
    RequisitionEvent.objects.create(
        requisition=requisition, kind="status", from_status=waiting.status, to_status="approved"
    )
    for row in data.rows:
        if row.requisition_id == requisition.pk:
            row.status = "approved"
    result = spend_refresh()
    after = _facts()
    touched = {
        (requisition.legal_entity_id, waiting.month, *_fact_key(row))
        for row in data.rows
        if row.requisition_id == requisition.pk and row.known
    }
    changed = {key for key in after if after[key] != before.get(key)} | {key for key in before if key not in after}
    assert changed == touched and result.updated == len(touched) and result.created == result.deleted == 0
    api_client.force_authenticate(data.erin.user)
    assert _answer(api_client, "?by=supplier") == _as_api(expected(data.rows, "supplier"))
    # An invoice accepted on one order line: its status move is audited, its amount lands on the order line.
    order_line = (
        PurchaseOrderLine.objects.filter(
            purchase_order__legal_entity__code="ACME-SE", purchase_order__currency="SEK", invoiced_amount_minor=0
        )
        .select_related("purchase_order", "requisition_line")
        .first()
    )
    invoice = Invoice.objects.create(
        legal_entity=order_line.purchase_order.legal_entity,
        supplier=order_line.purchase_order.supplier,
        kind="invoice",
        number="INV-1",
        fiscal_year=2026,
        invoice_date=datetime.date(2026, 7, 1),
        currency="SEK",
        net_minor=4_321_00,
        total_minor=4_321_00,
        status="matched",
        source="typed",
    )
    InvoiceLine.objects.create(
        invoice=invoice, line_number=1, po_line=order_line, quantity=1, unit_price_minor=4_321_00, net_minor=4_321_00
    )
    PurchaseOrderLine.objects.filter(pk=order_line.pk).update(invoiced_amount_minor=4_321_00)
    audit_event_record(event_type="invoices.invoice.status", obj=invoice, data={"from": "received", "to": "matched"})
    row = next(r for r in data.rows if r.line_id == order_line.requisition_line_id)
    row.invoiced = [("SEK", 4_321_00)]
    before = after
    result = spend_refresh()
    after = _facts()
    changed = {key for key in after if after[key] != before.get(key)}
    requisition = order_line.purchase_order.requisition
    assert changed == {(requisition.legal_entity_id, row.month, *_fact_key(row))}
    assert result.updated == 1 and result.created == result.deleted == 0
    assert _answer(api_client, "?by=month") == _as_api(expected(data.rows, "month"))


def _fact_key(row: Row) -> tuple:
    line = RequisitionLine.objects.select_related("requisition").get(pk=row.line_id)
    return (
        line.supplier_id,
        _class(row.unspsc),
        line.cost_centre_id,
        row.requester_id,
        row.on_contract,
    )


def test_a_requisition_submitted_again_in_another_month_leaves_its_old_month(data, api_client):
    row = next(
        r for r in data.rows if r.status == "approved" and r.entity == "ACME-FR" and r.month != MONTHS[5] and r.known
    )
    requisition = Requisition.objects.get(pk=row.requisition_id)
    requisition.submitted_at = datetime.datetime(2026, 6, 15, 12, tzinfo=timezone.get_current_timezone())
    requisition.save(update_fields=["submitted_at"])
    RequisitionEvent.objects.create(
        requisition=requisition, kind="status", from_status="returned", to_status="approved"
    )
    for generated in data.rows:
        if generated.requisition_id == requisition.pk:
            generated.month = MONTHS[5]
    spend_refresh()
    api_client.force_authenticate(data.erin.user)
    assert _answer(api_client, "?by=month") == _as_api(expected(data.rows, "month"))


def test_the_page_reads_the_facts_in_a_fixed_number_of_queries_whatever_the_rows(data, client):
    client.force_login(data.erin.user)
    client.get("/analytics/spend/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/analytics/spend/?by=category&level=class&legal_entity=ACME-FR")
    assert page.status_code == 200
    assert not any("requisitions_requisitionline" in q["sql"] for q in queries.captured_queries)
    text = page.content.decode()
    assert 'id="spend-data" type="application/json"' in text and "spend-chart" in text
    assert "<script>" not in text and " style=" not in text and " onclick=" not in text


def test_bad_parameters_answer_400_naming_them_and_others_see_nothing(data, api_client):
    api_client.force_authenticate(data.erin.user)
    for query, word in [
        ("?by=colour", "by:"),
        ("?level=leaf", "level:"),
        ("?category=43x", "category:"),
        ("?from=2026-13", "from:"),
        ("?from=2026-05&to=2026-01", "from:"),
        ("?legal_entity=OTHER", "legal_entity:"),
        ("?supplier=NOPE", "supplier:"),
        ("?cost_centre=OT-ENG", "cost_centre:"),
        ("?requester=abc", "requester:"),
        ("?contract=maybe", "contract:"),
        ("?by=category&level=segment&category=4321", "level:"),
    ]:
        response = api_client.get("/api/v1/analytics/spend/" + query)
        assert response.status_code == 400, query
        assert response.json()["code"] == "invalid_spend_query" and response.json()["message"].startswith(word)
    assert api_client.get("/api/v1/analytics/spend/lines/?limit=0").status_code == 400
    api_client.force_authenticate(data.people["alice"].user)
    denied = api_client.get("/api/v1/analytics/spend/")
    assert denied.status_code == 403 and denied.json()["code"] == "spend_forbidden"


def test_the_table_downloads_as_xlsx_equal_to_the_api(data, api_client):
    api_client.force_authenticate(data.erin.user)
    query = "?by=category&level=family&legal_entity=ACME-FR"
    rows = api_client.get("/api/v1/analytics/spend/" + query).json()["results"]
    response = api_client.get("/api/v1/analytics/spend/" + query + "&export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    keys = ["key", "label", "currency", "requested", "committed", "on_contract", "off_contract", "actual", "savings"]
    read = [
        {
            key: (format(Decimal(str(value)).quantize(Decimal("0.01")), "f") if index >= 3 else (value or ""))
            for index, (key, value) in enumerate(zip(keys, cells, strict=False))
        }
        | {"lines": cells[9]}
        for cells in values[1:]
    ]
    assert read == [{key: row[key] for key in [*keys, "lines"]} for row in rows]
