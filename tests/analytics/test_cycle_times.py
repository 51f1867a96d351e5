"""Cycle times: a generated set of requisitions with known moments for each step (submitted, approved, orders
issued, receipts posted or reversed, invoices and credit notes), refreshed into the pre-computed rows, and every
figure of the API (count, median, 90th percentile per month and per supplier) compared with the same figures
computed here from the generated moments; other entities' requisitions never count; bad parameters answer 400."""

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from analytics.cycle_models import RefreshMark, RequisitionCycle
from analytics.cycle_refresh import cycle_refresh
from invoices.models import Invoice
from orders.models import PurchaseOrder
from procurement.models import Role
from receiving.models import GoodsReceipt
from requisitions.models import Requisition, RequisitionEvent
from tests.factories import EmployeeFactory, LegalEntityFactory, SupplierFactory, UserFactory, requisition_for

STEPS = ("approval", "ordering", "first_delivery", "last_delivery", "invoicing", "total")
START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Plan:
    """One requisition as generated: its moments (None: not reached) and its orders' suppliers."""

    requisition: Requisition
    submitted: datetime
    approved: Any = None  # datetime or None: not reached
    ordered: Any = None
    first_received: Any = None
    last_received: Any = None
    invoiced: Any = None
    suppliers: list[str] = field(default_factory=list)


def _set(model, pk, **fields):
    model.objects.filter(pk=pk).update(**fields)


def _generate(seed: int = 20):
    """About 60 requisitions of ACME-FR over three months (and a few of OTHER-DE), each stopping at some step."""
    rng = random.Random(seed)
    france = LegalEntityFactory(code="ACME-FR", currency="EUR", po_number_prefix="FR-PO-")
    other = LegalEntityFactory(code="OTHER-DE", currency="EUR", po_number_prefix="DE-PO-")
    erin = EmployeeFactory(user=UserFactory(username="erin"), legal_entities=[france], roles=[Role.FINANCE])
    alice = EmployeeFactory(user=UserFactory(username="alice"), legal_entities=[france, other], roles=[Role.REQUESTER])
    suppliers = {code: SupplierFactory(code=code, name=f"Supplier {code}") for code in ("DURAND", "MARTIN", "NORD")}
    plans: list[Plan] = []
    counter = {"po": 0, "gr": 0, "inv": 0}
    for n in range(70):
        entity = other if n % 10 == 9 else france
        req = requisition_for(alice, entity, title=f"R{n}")
        submitted = START + timedelta(days=rng.randrange(0, 88), seconds=rng.randrange(0, 86_400))
        plan = Plan(req, submitted)
        reach = rng.choice(["submitted", "approved", "ordered", "partly", "received", "invoiced", "invoiced"])
        status = "in_approval"
        if reach != "submitted":
            plan.approved = submitted + timedelta(seconds=rng.randrange(60, 5 * 86_400))
            status = "approved"
            event = RequisitionEvent.objects.create(
                requisition=req, kind="status", from_status="in_approval", to_status="approved"
            )
            _set(RequisitionEvent, event.pk, created_at=plan.approved)
            # an earlier approval that was followed by a return does not count: the latest one does
            early = RequisitionEvent.objects.create(requisition=req, kind="status", to_status="approved")
            _set(RequisitionEvent, early.pk, created_at=plan.approved - timedelta(hours=30))
        orders = []
        if reach in ("ordered", "partly", "received", "invoiced"):
            status = "ordered"
            codes = rng.choice([["DURAND"], ["MARTIN"], ["NORD"], ["DURAND", "NORD"], ["MARTIN", "MARTIN"]])
            plan.suppliers = codes
            for i, code in enumerate(codes):
                counter["po"] += 1
                issued = plan.approved + timedelta(seconds=rng.randrange(0, 3 * 86_400))
                orders.append(
                    PurchaseOrder.objects.create(
                        legal_entity=entity,
                        number=f"PO-{counter['po']}",
                        supplier=suppliers[code],
                        currency="EUR",
                        requisition=req,
                        method="email",
                        status="sent",
                        issued_at=issued,
                    )
                )
                if i == 0 or issued < plan.ordered:
                    plan.ordered = issued
            # a held order never issued does not move "ordered"
            if rng.random() < 0.2:
                counter["po"] += 1
                PurchaseOrder.objects.create(
                    legal_entity=entity,
                    number=f"PO-{counter['po']}",
                    supplier=suppliers[codes[0]],
                    currency="EUR",
                    requisition=req,
                    method="email",
                    status="held",
                    issued_at=None,
                )
        if reach in ("partly", "received", "invoiced"):
            moments = []
            for order in orders:
                for _ in range(rng.randrange(1, 3)):
                    counter["gr"] += 1
                    at = plan.ordered + timedelta(seconds=rng.randrange(3600, 20 * 86_400))
                    GoodsReceipt.objects.create(
                        legal_entity=entity, number=f"GR-{counter['gr']}", purchase_order=order, received_at=at
                    )
                    moments.append(at)
            # a reversed receipt, earlier than the others, counts for nothing
            counter["gr"] += 1
            GoodsReceipt.objects.create(
                legal_entity=entity,
                number=f"GR-{counter['gr']}",
                purchase_order=orders[0],
                received_at=plan.ordered + timedelta(seconds=1),
                status="reversed",
                reversed_at=plan.ordered + timedelta(seconds=2),
                reversal_reason="Wrong order",
            )
            plan.first_received = min(moments)
            if reach != "partly":
                plan.last_received = max(moments)
                status = "received"
        if reach == "invoiced":
            # everything received and invoiced: closed; else invoiced in full before the last goods arrived, so
            # its goods are not all received ("last received" not reached)
            status = "closed" if rng.random() < 0.75 else "invoiced"
            arrivals = []
            for order in orders:
                counter["inv"] += 1
                at = plan.last_received + timedelta(seconds=rng.randrange(-2 * 86_400, 30 * 86_400))
                invoice = Invoice.objects.create(
                    legal_entity=entity,
                    supplier=order.supplier,
                    number=f"F-{counter['inv']}",
                    fiscal_year=2026,
                    invoice_date=at.date(),
                    currency="EUR",
                    net_minor=100,
                    total_minor=100,
                    status="matched",
                    source="typed",
                )
                invoice.purchase_orders.add(order)
                _set(Invoice, invoice.pk, received_at=at)
                arrivals.append(at)
                # a later credit note and a later rejected invoice do not move "invoiced"
                for kind, inv_status in (("credit_note", "matched"), ("invoice", "rejected")):
                    counter["inv"] += 1
                    noise = Invoice.objects.create(
                        legal_entity=entity,
                        supplier=order.supplier,
                        kind=kind,
                        number=f"F-{counter['inv']}",
                        fiscal_year=2026,
                        invoice_date=at.date(),
                        currency="EUR",
                        net_minor=10,
                        total_minor=10,
                        status=inv_status,
                        source="typed",
                    )
                    noise.purchase_orders.add(order)
                    _set(Invoice, noise.pk, received_at=at + timedelta(days=40))
            plan.invoiced = max(arrivals)
            if status == "invoiced":
                plan.last_received = None
        _set(Requisition, req.pk, submitted_at=submitted, status=status)
        plans.append(plan)
    # a cart never submitted has no row
    requisition_for(alice, france, title="Cart")
    return erin, france, plans


def _seconds(a, b):
    if a is None or b is None:
        return None
    return int((b - a).total_seconds() // 1)


def _durations(plan: Plan) -> dict[str, int | None]:
    return {
        "approval": _seconds(plan.submitted, plan.approved),
        "ordering": _seconds(plan.approved, plan.ordered),
        "first_delivery": _seconds(plan.ordered, plan.first_received),
        "last_delivery": _seconds(plan.ordered, plan.last_received),
        "invoicing": _seconds(plan.last_received, plan.invoiced),
        "total": _seconds(plan.submitted, plan.invoiced),
    }


def _hours(seconds):
    if seconds is None:
        return None
    return str((Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _expected_figure(values: list[int]) -> dict:
    """Nearest rank, computed with exact fractions: the ⌈n/2⌉-th and the ⌈0.9 n⌉-th in order."""
    values = sorted(values)
    n = len(values)
    median = values[math.ceil(n / 2) - 1] if n else None
    p90 = values[-(-9 * n // 10) - 1] if n else None
    return {
        "count": n,
        "median_seconds": median,
        "p90_seconds": p90,
        "median_hours": _hours(median),
        "p90_hours": _hours(p90),
        "median_days": None
        if median is None
        else str((Decimal(median) / 86400).quantize(Decimal("0.1"), ROUND_HALF_UP)),
        "p90_days": None if p90 is None else str((Decimal(p90) / 86400).quantize(Decimal("0.1"), ROUND_HALF_UP)),
    }


def _expected(plans: list[Plan]) -> dict[str, Any]:
    steps = {}
    for step in STEPS:
        steps[step] = _expected_figure([d[step] for d in map(_durations, plans) if d[step] is not None])
    return {"requisitions": len(plans), "steps": steps}


@pytest.fixture
def generated(db):
    erin, france, plans = _generate()
    assert cycle_refresh() == {"requisitions": 70, "decisions": 0}  # every submitted one, OTHER-DE's too
    return erin, france, [p for p in plans if p.requisition.legal_entity_id == france.pk]


def test_each_months_figures_equal_an_independent_computation(generated, api_client):
    erin, _france, plans = generated
    api_client.force_authenticate(erin.user)
    response = api_client.get("/api/v1/analytics/cycle-times/?from=2026-01&to=2026-04&legal_entity=ACME-FR")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["legal_entity"], body["from"], body["to"], body["group_by"]) == (
        "ACME-FR",
        "2026-01",
        "2026-04",
        "month",
    )
    assert [row["key"] for row in body["results"]] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    for row in body["results"]:
        month = [p for p in plans if p.submitted.strftime("%Y-%m") == row["key"]]
        assert {"requisitions": row["requisitions"], "steps": row["steps"]} == _expected(month), row["key"]
    assert sum(row["requisitions"] for row in body["results"]) == len(plans) == 63
    assert body["results"][3]["requisitions"] == 0
    assert body["results"][3]["steps"]["approval"] == _expected_figure([])


def test_figures_per_supplier_count_a_requisition_under_its_one_supplier(generated, api_client):
    erin, _france, plans = generated
    api_client.force_authenticate(erin.user)
    body = api_client.get("/api/v1/analytics/cycle-times/?from=2026-01&to=2026-03&group_by=supplier").json()

    def key(plan):
        return plan.suppliers[0] if len(set(plan.suppliers)) == 1 else "-"

    expected_keys = {key(p) for p in plans}
    assert {row["key"] for row in body["results"]} == expected_keys
    counts = [row["requisitions"] for row in body["results"]]
    assert counts == sorted(counts, reverse=True)
    for row in body["results"]:
        group = [p for p in plans if key(p) == row["key"]]
        assert {"requisitions": row["requisitions"], "steps": row["steps"]} == _expected(group), row["key"]
    assert next(r for r in body["results"] if r["key"] == "DURAND")["label"] == "Supplier DURAND"
    one = api_client.get("/api/v1/analytics/cycle-times/?from=2026-01&to=2026-03&supplier=martin").json()["results"]
    martin = [p for p in plans if key(p) == "MARTIN"]
    assert sum(row["requisitions"] for row in one) == len(martin)


def test_the_refresh_takes_what_changed_since_its_last_run(generated, api_client):
    _erin, france, plans = generated
    plan = next(p for p in plans if p.ordered is not None and p.first_received is None)
    order = PurchaseOrder.objects.filter(requisition=plan.requisition, issued_at__isnull=False).first()
    Requisition.objects.update(updated_at=START)  # the generated ones were last changed long ago
    GoodsReceipt.objects.create(legal_entity=france, number="GR-NEW", purchase_order=order)  # received now
    assert RequisitionCycle.objects.get(pk=plan.requisition.pk).first_received_at is None
    assert cycle_refresh() == {"requisitions": 1, "decisions": 0}
    row = RequisitionCycle.objects.get(pk=plan.requisition.pk)
    receipt = GoodsReceipt.objects.get(number="GR-NEW")
    assert row.first_received_at == receipt.received_at
    assert row.first_delivery_seconds == _seconds(plan.ordered, receipt.received_at)


def test_others_than_finance_buyers_and_approvers_and_other_entities_see_nothing(generated, api_client):
    erin, france, _plans = generated
    alice = EmployeeFactory(user=UserFactory(username="alice2"), legal_entities=[france], roles=[Role.REQUESTER])
    api_client.force_authenticate(alice.user)
    denied = api_client.get("/api/v1/analytics/cycle-times/")
    assert denied.status_code == 403
    assert denied.json()["code"] == "cycle_times_forbidden"
    api_client.force_authenticate(erin.user)
    other = api_client.get("/api/v1/analytics/cycle-times/?legal_entity=OTHER-DE")
    assert (other.status_code, other.json()["code"]) == (403, "not_a_member")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13", "from is a month: YYYY-MM (2026-13 is not)."),
        ("from=2026-1", "from is a month: YYYY-MM (2026-1 is not)."),
        ("to=1999-12", "to must be a month between 2000 and 2100."),
        ("from=2026-05&to=2026-04", "from must not be after to."),
        ("from=2020-01&to=2026-04", "Ask for at most 36 months at a time."),
        ("group_by=week", "group_by is one of month, supplier."),
        ("supplier=NOBODY", "There is no supplier NOBODY."),
    ],
)
def test_bad_parameters_answer_400_with_a_code_and_a_message(generated, api_client, query, message):
    erin, _france, _plans = generated
    api_client.force_authenticate(erin.user)
    response = api_client.get(f"/api/v1/analytics/cycle-times/?{query}")
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_cycle_request", "message": message}


def test_the_table_downloads_with_the_figures_of_the_api(generated, api_client):
    from tests.exports.downloads import csv_rows, number, xlsx_rows

    erin, _france, _plans = generated
    api_client.force_authenticate(erin.user)
    query = "/api/v1/analytics/cycle-times/?from=2026-01&to=2026-03"
    api = api_client.get(query).json()["results"]
    rows = csv_rows(api_client.get(query + "&export=csv"))
    assert [r["key"] for r in rows] == [r["key"] for r in api]
    for got, row in zip(rows, api, strict=True):
        assert got["requisitions"] == str(row["requisitions"])
        for step in STEPS:
            figure = row["steps"][step]
            assert got[f"{step}_count"] == str(figure["count"])
            assert got[f"{step}_median_hours"] == (figure["median_hours"] or "")
            assert got[f"{step}_p90_hours"] == (figure["p90_hours"] or "")
    from analytics.cycle_exports import CYCLE_COLUMNS

    headings, xrows = xlsx_rows(api_client.get(query + "&export=xlsx"), [c.key for c in CYCLE_COLUMNS])
    assert headings[:3] == ["Month or supplier", "Name", "Requisitions"]
    assert headings[3] == "Submitted → approved: count"
    for cells, row in zip(xrows, api, strict=True):
        figure = row["steps"]["total"]
        assert cells["total_count"] == figure["count"]
        if figure["p90_hours"] is None:
            assert cells["total_p90_hours"] is None
        else:
            assert number(cells["total_p90_hours"]) == Decimal(figure["p90_hours"])


def test_the_page_shows_the_chart_data_the_table_and_the_requisitions_behind_a_bar(generated, client):
    import json

    erin, _france, plans = generated
    client.force_login(erin.user)
    page = client.get("/analytics/cycle-times/?from=2026-01&to=2026-03")
    assert page.status_code == 200
    text = page.content.decode()
    chart = json.loads(text.split('<script id="cycle-data" type="application/json">')[1].split("</script>")[0])
    assert chart["labels"] == ["2026-01", "2026-02", "2026-03"]
    assert chart["drill"][1] == "?from=2026-01&to=2026-03&month=2026-02#drill-down"
    february = [p for p in plans if p.submitted.strftime("%Y-%m") == "2026-02"]
    assert chart["datasets"][0]["label"] == "Submitted → approved"
    assert chart["datasets"][0]["data"][1] == _expected(february)["steps"]["approval"]["median_hours"]
    assert 'href="/analytics/cycle-times/?from=2026-01&amp;to=2026-03&amp;export=xlsx"' in text
    assert "<script>" not in text and "onclick" not in text.lower()
    drilled = client.get("/analytics/cycle-times/" + chart["drill"][1].split("#")[0]).content.decode()
    table = drilled.split('id="cycle-requisitions"')[1].split("</table>")[0]
    assert table.count("<tr>") - 1 == len(february)
    for plan in february:
        assert f'href="/requisitions/{plan.requisition.pk}/"' in table
    bad = client.get("/analytics/cycle-times/?from=2026-13&supplier=DURAND")
    assert bad.status_code == 400
    assert "from is a month: YYYY-MM (2026-13 is not)." in bad.content.decode()
    assert 'name="supplier" value="DURAND"' in bad.content.decode()
    approvers = client.get("/analytics/approvers/?from=2026-01&to=2026-03")
    assert approvers.status_code == 200 and 'id="approver-data"' in approvers.content.decode()


def test_a_requester_gets_403_on_the_pages(generated, client):
    _erin, france, _plans = generated
    alice = EmployeeFactory(user=UserFactory(username="alice3"), legal_entities=[france], roles=[Role.REQUESTER])
    client.force_login(alice.user)
    assert client.get("/analytics/cycle-times/").status_code == 403
    assert client.get("/analytics/approvers/").status_code == 403


@pytest.mark.parametrize("n", [1, 2, 10, 70, 87])
def test_the_90th_percentile_is_the_nearest_rank_at_sizes_where_floating_point_would_miss_it(db, n):
    """0.9 × 70 is 63.00000000000001 in floating point: a plain percentile_disc(0.9) would take the 64th."""
    from analytics.cycle import CycleQuery, cycle_times

    france = LegalEntityFactory(code="ACME-FR", currency="EUR")
    alice = EmployeeFactory(user=UserFactory(username="alice"), legal_entities=[france])
    durations = list(range(1000, 1000 + 7 * n, 7))
    random.Random(n).shuffle(durations)
    for seconds in durations:
        req = requisition_for(alice, france, title="R")
        RequisitionCycle.objects.create(
            requisition=req,
            legal_entity=france,
            month=START.date(),
            submitted_at=START,
            approved_at=START + timedelta(seconds=seconds),
            approval_seconds=seconds,
        )
    query = CycleQuery(france, START.date(), START.date(), "month")
    (row,) = cycle_times(query)
    ordered = sorted(durations)
    assert (row.steps["approval"].count, row.steps["approval"].median, row.steps["approval"].p90) == (
        n,
        ordered[(n + 1) // 2 - 1],
        ordered[(9 * n + 9) // 10 - 1],
    )


def test_the_figures_are_computed_once_per_refresh_and_read_from_the_cache_until_the_next(generated, api_client):
    erin, _france, _plans = generated
    api_client.force_authenticate(erin.user)
    query = "/api/v1/analytics/cycle-times/?from=2026-01&to=2026-03"
    first = api_client.get(query).json()
    RequisitionCycle.objects.update(approval_seconds=10**9)  # behind the refresh's back
    assert api_client.get(query).json() == first  # the figures of the last refresh, from the cache
    cycle_refresh(full=True)  # writes the rows back from the apps' rows, and the next view computes anew
    assert api_client.get(query).json() == first
    RequisitionCycle.objects.update(approval_seconds=10**9)
    RefreshMark.objects.update(at=START)  # as if a refresh had run since: the cached figures are not used
    changed = api_client.get(query).json()["results"][0]["steps"]["approval"]
    assert (changed["median_seconds"], changed["p90_seconds"]) == (10**9, 10**9)
