"""Several carts at once: fill them from the catalog, split costs, move lines, merge, keep entities apart."""

from decimal import Decimal

import pytest

from procurement.models import CostCentre
from procurement.money import Money
from requisitions.errors import RequisitionError
from requisitions.models import RequisitionLine
from requisitions.models import RequisitionStatus as S
from requisitions.selectors import carts_of, requisition_totals_by_currency
from requisitions.services import (
    CatalogPick,
    SplitSpec,
    requisition_create,
    requisition_line_add_free_text,
    requisition_line_splits_set,
    requisition_line_update,
    requisition_lines_add_from_catalog,
    requisition_lines_move,
    requisition_lines_remove,
    requisition_merge,
)
from tests.factories import CatalogItemFactory, CostCentreFactory, CustomCatalogFactory, PriceListFactory


def skus(requisition):
    return [
        (line.line_number, line.supplier_part_id, line.quantity) for line in requisition.lines.order_by("line_number")
    ]


def test_many_items_are_added_at_once_at_the_entitys_price(cart, requester, items, france):
    PriceListFactory(percent_off=Decimal(10), legal_entities=[france])
    requisition_lines_add_from_catalog(
        requisition=cart,
        by=requester,
        picks=[CatalogPick(item=items[sku], quantity=Decimal(qty)) for sku, qty in [("PEN-1", 3), ("PAD-1", "1.5")]],
    )
    cart.refresh_from_db()
    lines = list(cart.lines.order_by("line_number"))
    assert [(line.unit_price, line.total, line.cost_centre.code) for line in lines] == [
        (Money(Decimal("1.35"), "EUR"), Money(Decimal("4.05"), "EUR"), "FR-CC"),
        (Money(Decimal("2.88"), "EUR"), Money(Decimal("4.32"), "EUR"), "FR-CC"),
    ]
    assert cart.total == Money(Decimal("8.37"), "EUR") and cart.line_count == 2


def test_adding_an_item_already_in_the_cart_raises_its_quantity(filled_cart, requester, items):
    requisition_lines_add_from_catalog(
        requisition=filled_cart, by=requester, picks=[CatalogPick(item=items["PEN-1"], quantity=Decimal(5))]
    )
    assert skus(filled_cart) == [(1, "PEN-1", Decimal(15)), (2, "INK-1", Decimal(2))]


def test_the_same_item_for_another_cost_centre_gets_its_own_line(filled_cart, requester, items, cost_centre):
    requisition_lines_add_from_catalog(
        requisition=filled_cart,
        by=requester,
        picks=[CatalogPick(item=items["PEN-1"], quantity=Decimal(5), cost_centre=cost_centre)],
    )
    assert skus(filled_cart)[-1] == (3, "PEN-1", Decimal(5))


def test_a_cost_centre_the_requester_may_not_charge_is_refused(filled_cart, requester, items, france):
    other = CostCentreFactory(legal_entity=france, code="FR-SECRET")
    with pytest.raises(RequisitionError, match="You may not charge cost centre FR-SECRET"):
        requisition_lines_add_from_catalog(
            requisition=filled_cart,
            by=requester,
            picks=[CatalogPick(item=items["PAD-1"], quantity=Decimal(1), cost_centre=other)],
        )


def test_items_outside_the_carts_entity_catalog_are_refused(requester, sweden, items):
    catalog = CustomCatalogFactory()
    catalog.items.add(items["PAD-1"])
    catalog.legal_entities.add(sweden)
    swedish_cart = requisition_create(by=requester, legal_entity=sweden)
    with pytest.raises(RequisitionError, match="Not in the catalog of SE-TEST: PEN-1"):
        requisition_lines_add_from_catalog(
            requisition=swedish_cart,
            by=requester,
            picks=[
                CatalogPick(item=items["PEN-1"], quantity=Decimal(1)),
                CatalogPick(item=items["PAD-1"], quantity=Decimal(1)),
            ],
        )
    assert swedish_cart.lines.count() == 0


@pytest.mark.parametrize("quantity", ["0", "-1", "0.0001", "10000000"])
def test_bad_quantities_are_refused(cart, requester, items, quantity):
    with pytest.raises(RequisitionError) as error:
        requisition_lines_add_from_catalog(
            requisition=cart, by=requester, picks=[CatalogPick(item=items["PEN-1"], quantity=Decimal(quantity))]
        )
    assert error.value.code == "invalid_quantity"


def test_totals_per_currency_and_in_the_carts_currency(cart, requester, items):
    from procurement.models import ExchangeRate

    ExchangeRate.objects.create(from_currency="EUR", to_currency="SEK", rate=Decimal("11.25"), valid_from="2020-01-01")
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=items["PEN-1"], quantity=Decimal(1))]
    )
    requisition_line_add_free_text(
        requisition=cart,
        by=requester,
        description="Cable",
        quantity=Decimal(2),
        unit="EA",
        unit_price=Money(Decimal("100.00"), "SEK"),
    )
    cart.refresh_from_db()
    assert requisition_totals_by_currency(requisition=cart) == [
        Money(Decimal("1.50"), "EUR"),
        Money(Decimal("200.00"), "SEK"),
    ]
    assert cart.total == Money(Decimal("19.28"), "EUR")  # 1.50 + 200 / 11.25 = 1.50 + 17.78


def test_line_edits_recompute_the_total(filled_cart, requester):
    line = filled_cart.lines.get(supplier_part_id="INK-1")
    requisition_line_update(line=line, by=requester, fields={"quantity": Decimal(3)})
    filled_cart.refresh_from_db()
    assert filled_cart.total == Money(Decimal("74.97"), "EUR")
    with pytest.raises(RequisitionError, match="cannot be changed: unit_price"):
        requisition_line_update(line=line, by=requester, fields={"unit_price": Money(Decimal(1), "EUR")})


def test_a_split_must_add_up_to_exactly_100_percent(filled_cart, requester, france):
    line = filled_cart.lines.first()
    ours, lab = CostCentre.objects.get(code="FR-CC"), CostCentre.objects.get(code="FR-LAB2")
    with pytest.raises(RequisitionError, match="add up to 90 %, not 100 %"):
        requisition_line_splits_set(
            line=line, by=requester, splits=[SplitSpec(ours, Decimal("50")), SplitSpec(lab, Decimal("40"))]
        )
    with pytest.raises(RequisitionError, match="at least two parts"):
        requisition_line_splits_set(line=line, by=requester, splits=[SplitSpec(ours, Decimal("100"))])
    with pytest.raises(RequisitionError, match="appears twice"):
        requisition_line_splits_set(
            line=line, by=requester, splits=[SplitSpec(ours, Decimal("50")), SplitSpec(ours, Decimal("50"))]
        )
    with pytest.raises(RequisitionError, match="may not charge"):
        requisition_line_splits_set(
            line=line,
            by=requester,
            splits=[SplitSpec(ours, Decimal("50")), SplitSpec(CostCentreFactory(legal_entity=france), Decimal("50"))],
        )
    assert line.splits.count() == 0

    requisition_line_splits_set(
        line=line, by=requester, splits=[SplitSpec(ours, Decimal("33.33")), SplitSpec(lab, Decimal("66.67"))]
    )
    assert [(s.cost_centre.code, s.percent) for s in line.splits.all()] == [
        ("FR-CC", Decimal("33.33")),
        ("FR-LAB2", Decimal("66.67")),
    ]
    requisition_line_splits_set(line=line, by=requester, splits=[])
    assert line.splits.count() == 0


def test_an_employee_keeps_several_carts_and_moves_lines_between_them(filled_cart, requester, france, sweden):
    second = requisition_create(by=requester, legal_entity=france, title="Second")
    requisition_create(by=requester, legal_entity=sweden, title="Swedish")
    assert {c.title for c in carts_of(employee=requester)} == {"Office things", "Second", "Swedish"}
    assert {c.title for c in carts_of(employee=requester, legal_entity_id=france.pk)} == {"Office things", "Second"}

    ink = filled_cart.lines.get(supplier_part_id="INK-1")
    assert requisition_lines_move(source=filled_cart, target=second, by=requester, line_ids=[ink.pk]) == 1
    filled_cart.refresh_from_db()
    second.refresh_from_db()
    assert skus(second) == [(1, "INK-1", Decimal(2))]
    assert filled_cart.total == Money(Decimal("15.00"), "EUR") and second.total == Money(Decimal("39.98"), "EUR")


def test_lines_never_move_between_legal_entities(filled_cart, requester, sweden):
    swedish = requisition_create(by=requester, legal_entity=sweden)
    with pytest.raises(RequisitionError, match="cannot move between legal entities"):
        requisition_lines_move(
            source=filled_cart,
            target=swedish,
            by=requester,
            line_ids=list(filled_cart.lines.values_list("pk", flat=True)),
        )
    with pytest.raises(RequisitionError, match="cannot move between legal entities"):
        requisition_merge(target=swedish, sources=[filled_cart], by=requester)
    assert filled_cart.lines.count() == 2


def test_merging_carts_moves_every_line_and_cancels_the_others(filled_cart, requester, items, france):
    second = requisition_create(by=requester, legal_entity=france, title="Second")
    requisition_lines_add_from_catalog(
        requisition=second,
        by=requester,
        picks=[
            CatalogPick(item=items["TAPE-1"], quantity=Decimal(4)),
            CatalogPick(item=items["PEN-1"], quantity=Decimal(1)),
        ],
    )
    third = requisition_create(by=requester, legal_entity=france, title="Third")
    requisition_line_add_free_text(
        requisition=third,
        by=requester,
        description="Chair repair",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal("80"), "EUR"),
    )

    merged = requisition_merge(target=filled_cart, sources=[second, third], by=requester)

    # The second cart's PEN-1 (same item, price and cost centre) joins line 1, as quick order combines them.
    assert skus(merged) == [(1, "PEN-1", 11), (2, "INK-1", 2), (3, "TAPE-1", 4), (4, "", 1)]
    assert merged.total == Money(Decimal("154.48"), "EUR")
    for other in (second, third):
        other.refresh_from_db()
        assert other.status == S.CANCELLED and other.lines.count() == 0 and other.total_minor == 0
        assert other.events.get(kind="status").comment == f"Merged into {merged.number}."
    assert merged.events.get(kind="merged").data["from"] == [second.number, third.number]


def test_a_submitted_requisition_cannot_be_merged_into(filled_cart, requester, france):
    from p2p.submit_to_order import requisition_submit

    second = requisition_create(by=requester, legal_entity=france)
    requisition_submit(requisition=filled_cart, by=requester)
    with pytest.raises(RequisitionError):
        requisition_merge(target=filled_cart, sources=[second], by=requester)
    with pytest.raises(RequisitionError):
        requisition_merge(target=second, sources=[filled_cart], by=requester)


def test_removing_lines(filled_cart, requester):
    assert (
        requisition_lines_remove(
            requisition=filled_cart, by=requester, line_ids=list(filled_cart.lines.values_list("pk", flat=True))
        )
        == 2
    )
    filled_cart.refresh_from_db()
    assert filled_cart.total_minor == 0 and filled_cart.line_count == 0


def test_price_basis_quantity_divides_the_price(cart, requester):
    line = requisition_line_add_free_text(
        requisition=cart,
        by=requester,
        description="Screws",
        quantity=Decimal(250),
        unit="EA",
        unit_price=Money(Decimal("12.00"), "EUR"),
    )
    RequisitionLine.objects.filter(pk=line.pk).update(price_basis_quantity=Decimal(100))
    line.refresh_from_db()
    assert line.compute_total_minor() == 3000


def test_many_lines_cost_a_constant_number_of_queries(cart, requester, django_assert_max_num_queries):
    many = CatalogItemFactory.create_batch(300)
    with django_assert_max_num_queries(25):
        requisition_lines_add_from_catalog(
            requisition=cart, by=requester, picks=[CatalogPick(item=item, quantity=Decimal(1)) for item in many]
        )
    assert cart.lines.count() == 300
