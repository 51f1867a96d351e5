"""What a buyer pays: the best of the price lists of their legal entity and groups; what they may see."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from procurement.models import PriceList
from procurement.money import Money
from procurement.selectors import (
    CatalogFilters,
    catalog_item_price,
    catalog_item_search,
    catalog_items_visible,
    price_lists_applicable,
)
from tests.factories import (
    CatalogItemAttributeFactory,
    CatalogItemFactory,
    CustomCatalogFactory,
    PriceListFactory,
    SupplierFactory,
)


def price_for(item, entity, user):
    return catalog_item_price(item=item, price_lists=price_lists_applicable(legal_entity=entity, user=user))


def test_each_entity_sees_its_own_negotiated_price(france, sweden, employee_in):
    # Given an item at 100.00 EUR, 12 % off for France and 5.00 EUR off for Sweden
    item = CatalogItemFactory(base_price_minor=10000)
    PriceListFactory(percent_off=Decimal("12"), legal_entities=[france])
    PriceListFactory(
        adjustment=PriceList.Adjustment.FIXED, fixed_off_minor=500, fixed_off_currency="EUR", legal_entities=[sweden]
    )
    buyer = employee_in(france, sweden).user

    # Then each entity gets its own price
    assert price_for(item, france, buyer) == Money(Decimal("88.00"), "EUR")
    assert price_for(item, sweden, buyer) == Money(Decimal("95.00"), "EUR")


def test_the_lowest_applicable_price_wins_and_group_lists_count(france, employee_in):
    item = CatalogItemFactory(base_price_minor=10000)
    PriceListFactory(percent_off=Decimal("5"), legal_entities=[france])
    group = Group.objects.create(name="Key users")
    group_list = PriceListFactory(percent_off=Decimal("20"))
    group_list.groups.add(group)
    buyer = employee_in(france).user
    other = employee_in(france).user
    buyer.groups.add(group)

    assert price_for(item, france, buyer).amount == Decimal("80.00")
    assert price_for(item, france, other).amount == Decimal("95.00")


def test_lists_limited_to_a_supplier_category_or_dates_leave_other_items_at_base_price(france, employee_in):
    office = CatalogItemFactory(base_price_minor=1999, unspsc="44121704")
    lab = CatalogItemFactory(base_price_minor=1999, unspsc="41121500")
    PriceListFactory(percent_off=Decimal("50"), unspsc_prefix="4112", legal_entities=[france])
    PriceListFactory(percent_off=Decimal("30"), supplier=SupplierFactory(), legal_entities=[france])
    PriceListFactory(
        percent_off=Decimal("90"), legal_entities=[france], valid_to=timezone.localdate() - timedelta(days=1)
    )
    user = employee_in(france).user

    assert price_for(office, france, user).amount == Decimal("19.99")
    assert price_for(lab, france, user).amount == Decimal("10.00")  # 9.995 rounds half up


def test_a_fixed_discount_never_makes_a_price_negative_nor_applies_across_currencies(france, employee_in):
    cheap = CatalogItemFactory(base_price_minor=300)
    krona = CatalogItemFactory(base_price_minor=300, supplier=SupplierFactory(currency="SEK"))
    PriceListFactory(
        adjustment=PriceList.Adjustment.FIXED, fixed_off_minor=500, fixed_off_currency="EUR", legal_entities=[france]
    )
    user = employee_in(france).user
    assert price_for(cheap, france, user) == Money(Decimal("0.00"), "EUR")
    assert price_for(krona, france, user) == Money(Decimal("3.00"), "SEK")


def test_a_custom_catalog_restricts_what_an_entity_sees(france, sweden, employee_in):
    allowed_supplier, other_supplier = SupplierFactory(), SupplierFactory()
    from_allowed = CatalogItemFactory(supplier=allowed_supplier)
    picked = CatalogItemFactory(supplier=other_supplier)
    hidden = CatalogItemFactory(supplier=other_supplier)
    catalog = CustomCatalogFactory()
    catalog.suppliers.add(allowed_supplier)
    catalog.items.add(picked)
    catalog.legal_entities.add(sweden)
    user = employee_in(france, sweden).user

    assert set(catalog_items_visible(legal_entity=sweden, user=user)) == {from_allowed, picked}
    assert {from_allowed, picked, hidden} <= set(catalog_items_visible(legal_entity=france, user=user))


def test_search_matches_sku_or_name_and_filters_by_category_and_attributes(france, employee_in):
    user = employee_in(france).user
    black_pen = CatalogItemFactory(sku="PEN-BLK", name="Ballpoint pen", unspsc="44121704")
    blue_pen = CatalogItemFactory(sku="PEN-BLU", name="Ballpoint pen", unspsc="44121704")
    CatalogItemFactory(sku="BKR-100", name="Beaker 100 ml", unspsc="41121800")
    CatalogItemAttributeFactory(item=black_pen, name="colour", value="black")
    CatalogItemAttributeFactory(item=blue_pen, name="colour", value="blue")

    def search(**kwargs):
        return {i.sku for i in catalog_item_search(legal_entity=france, user=user, filters=CatalogFilters(**kwargs))}

    assert search(search="ballpoint") == {"PEN-BLK", "PEN-BLU"}
    assert search(search="bkr") == {"BKR-100"}
    assert search(category="4112") == {"BKR-100"}
    assert search(attributes=(("colour", ("blue",)),)) == {"PEN-BLU"}
    assert search(search="pen", attributes=(("colour", ("blue", "black")),)) == {"PEN-BLK", "PEN-BLU"}
    assert search(search="nothing-like-this") == set()
