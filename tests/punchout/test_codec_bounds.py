"""Every number at the protocol edge is bounded by what our columns hold (issue 12, finding 3), and the codecs'
limits are the columns' own, so they cannot drift apart. Plain decimals only in, never an exponent out."""

from decimal import Decimal

import pytest
from django.db import connection

from orders.models import PurchaseOrderLine
from procurement.models import CatalogItem
from punchout import cxml, oci
from punchout.cxml import InvalidDocument, parse_punchout_order_message
from punchout.cxml.limits import (
    AMOUNT_MAX_INTEGER_DIGITS,
    LEAD_TIME_MAX_DAYS,
    LINE_NUMBER_MAX,
    QUANTITY_DECIMAL_PLACES,
    QUANTITY_MAX_DIGITS,
)
from punchout.oci import OciError, parse_new_item_form
from requisitions.models import RequisitionLine

# ------------------------------------------------------------------------------------ limits = columns

QUANTITY_COLUMNS = [
    RequisitionLine._meta.get_field("quantity"),
    RequisitionLine._meta.get_field("price_basis_quantity"),
    *(
        PurchaseOrderLine._meta.get_field(name)
        for name in (
            "quantity",
            "price_basis_quantity",
            "confirmed_quantity",
            "backordered_quantity",
            "shipped_quantity",
        )
    ),
]


@pytest.mark.parametrize("column", QUANTITY_COLUMNS, ids=lambda column: f"{column.model.__name__}.{column.name}")
def test_the_quantity_limits_are_the_columns(column):
    assert (column.max_digits, column.decimal_places) == (QUANTITY_MAX_DIGITS, QUANTITY_DECIMAL_PLACES)


def test_the_largest_amount_fits_every_minor_unit_column():
    # Minor units of the currency with the most digits (babel: CLF and UYW have 4).
    from babel.numbers import get_currency_precision, list_currencies

    most_digits = max(get_currency_precision(code) for code in list_currencies())
    largest_minor = 10**AMOUNT_MAX_INTEGER_DIGITS * 10**most_digits
    for model, name in [
        (RequisitionLine, "unit_price_minor"),
        (RequisitionLine, "total_minor"),
        (PurchaseOrderLine, "unit_price_minor"),
        (PurchaseOrderLine, "confirmed_unit_price_minor"),
        (CatalogItem, "base_price_minor"),
    ]:
        field = model._meta.get_field(name)
        assert field.get_internal_type() == "BigIntegerField"
        assert largest_minor <= connection.ops.integer_field_range("BigIntegerField")[1]


def test_lead_times_and_line_numbers_fit_their_columns():
    positive_int = connection.ops.integer_field_range("PositiveIntegerField")[1] or 2_147_483_647
    assert RequisitionLine._meta.get_field("lead_time_days").get_internal_type() == "PositiveIntegerField"
    assert positive_int >= LEAD_TIME_MAX_DAYS
    assert 10 ** oci.FIELD_LENGTHS["LEADTIME"] - 1 == LEAD_TIME_MAX_DAYS  # OCI's 5 digits
    for model in (RequisitionLine, PurchaseOrderLine):
        assert model._meta.get_field("line_number").get_internal_type() == "PositiveIntegerField"
    assert LINE_NUMBER_MAX == 2_147_483_647  # PositiveIntegerField's range on every database Django supports


# -------------------------------------------------------------------------------------- cXML carts


def cart(quantity: str = "1", price: str = "10.00", lead_time: str = "", line_number: str = "1") -> bytes:
    lead = f"<LeadTime>{lead_time}</LeadTime>" if lead_time else ""
    return f"""<?xml version="1.0"?>
<cXML payloadID="1@shop" timestamp="2026-01-01T00:00:00+00:00"><Header>
<From><Credential domain="DUNS"><Identity>shop</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>us</Identity></Credential></To>
<Sender><Credential domain="DUNS"><Identity>shop</Identity></Credential></Sender></Header>
<Message><PunchOutOrderMessage><BuyerCookie>c</BuyerCookie>
<ItemIn quantity="{quantity}" lineNumber="{line_number}"><ItemID><SupplierPartID>A-1</SupplierPartID></ItemID>
<ItemDetail><UnitPrice><Money currency="EUR">{price}</Money></UnitPrice><Description xml:lang="en">A</Description>
<UnitOfMeasure>EA</UnitOfMeasure>{lead}</ItemDetail></ItemIn>
</PunchOutOrderMessage></Message></cXML>""".encode()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (cart(quantity="1" + "0" * 26), "the quantity of ItemIn 1 is larger than 9999999999.999: it cannot be stored"),
        (cart(quantity="1E+26"), "the quantity of ItemIn 1 is not a number: '1E+26'"),
        (cart(quantity="NaN"), "the quantity of ItemIn 1 is not a number: 'NaN'"),
        (cart(quantity="-Infinity"), "the quantity of ItemIn 1 is not a number: '-Infinity'"),
        (cart(quantity="1,5"), "the quantity of ItemIn 1 is not a number: '1,5'"),
        (cart(quantity="0.0001"), "the quantity of ItemIn 1 has more than 3 decimals: it cannot be stored"),
        (
            cart(price="1" + "0" * 20),
            "the UnitPrice of ItemIn 1 has more than 14 digits before the decimal point: it cannot be stored",
        ),
        (cart(lead_time="9" * 20), "the LeadTime of ItemIn 1 is larger than 99999 days: it cannot be stored"),
        (cart(lead_time="9" * 5000), "the LeadTime of ItemIn 1 is larger than 99999 days: it cannot be stored"),
        (cart(line_number="9" * 5000), "the lineNumber of ItemIn 1 is larger than 2147483647: it cannot be stored"),
    ],
)
def test_a_cart_number_beyond_our_columns_is_refused_naming_the_field_and_the_limit(document, message):
    with pytest.raises(InvalidDocument) as refused:
        parse_punchout_order_message(document)
    assert refused.value.status_code == 400 and refused.value.message.startswith(message)


def test_the_largest_storable_numbers_and_a_negative_zero_are_read():
    message = parse_punchout_order_message(cart(quantity="9999999999.999", price="-0.00", lead_time="99999"))
    (item,) = message.items
    assert (item.quantity, item.lead_time) == (Decimal("9999999999.999"), 99999)
    assert str(item.unit_price.amount) == "0.00"  # not -0.00
    assert parse_punchout_order_message(cart(quantity="-0")).items[0].quantity.is_signed() is False


def test_a_status_code_of_many_digits_is_refused():
    response = b'<cXML payloadID="1@x"><Response><Status code="2000000000000" text="OK"/></Response></cXML>'
    with pytest.raises(InvalidDocument, match="the Status code is not a three-digit code"):
        cxml.parse_response(response)


# -------------------------------------------------------------------------------------- OCI carts


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"NEW_ITEM-LEADTIME[1]": "9" * 20}, "OCI item 1: LEADTIME is larger than 99999 days: it cannot be stored"),
        ({"NEW_ITEM-LEADTIME[1]": "9" * 5000}, "OCI item 1: LEADTIME is larger than 99999 days: it cannot be stored"),
        (
            {"NEW_ITEM-QUANTITY[1]": "12345678901"},
            "OCI item 1: QUANTITY is larger than 9999999999.999: it cannot be stored",
        ),
        ({"NEW_ITEM-QUANTITY[1]": "1.0005"}, "OCI item 1: QUANTITY has more than 3 decimals: it cannot be stored"),
        ({"NEW_ITEM-QUANTITY[1]": "1E+26"}, "OCI item 1: QUANTITY is not a number: '1E+26'"),
        ({"NEW_ITEM-PRICE[1]": "NaN"}, "OCI item 1: PRICE is not a number: 'NaN'"),
        (
            {"NEW_ITEM-PRICE[1]": "1" + "0" * 20},
            "OCI item 1: PRICE has more than 14 digits before the decimal point: it cannot be stored",
        ),
        (
            {"NEW_ITEM-PRICEUNIT[1]": "1" * 12},
            "OCI item 1: PRICEUNIT is larger than 9999999999.999: it cannot be stored",
        ),
        ({"NEW_ITEM-PRICE[1]": "1" * 200}, "OCI item 1: PRICE is not a number we can store (200 characters)"),
    ],
)
def test_an_oci_number_beyond_our_columns_is_refused_naming_the_field_and_the_limit(fields, message):
    with pytest.raises(OciError) as refused:
        parse_new_item_form({"NEW_ITEM-DESCRIPTION[1]": "A", **fields})
    assert refused.value.message.startswith(message)
    assert refused.value.field == next(iter(fields)).split("-")[1].split("[")[0]


def test_oci_numbers_in_range_are_read_with_a_decimal_comma_and_zero_padding():
    (item,) = parse_new_item_form(
        {
            "NEW_ITEM-QUANTITY[1]": "9999999999,99",
            "NEW_ITEM-PRICE[1]": "00000001730.900",
            "NEW_ITEM-LEADTIME[1]": "00099999",
        }
    )
    assert (item.quantity, item.price, item.lead_time) == (Decimal("9999999999.99"), Decimal("1730.900"), 99999)


# -------------------------------------------------------------------------------------- never an exponent


def test_numbers_are_written_without_exponent():
    assert cxml.format_decimal(Decimal("1E+2")) == "100"
    assert cxml.format_decimal(Decimal("-0")) == "0"
    assert oci.format_number(Decimal("1E+2"), field="QUANTITY") == "100"
    fields = dict(
        oci.build_new_item_fields(
            [oci.OciItem(index=1, description="A", quantity=Decimal("1E+3"), price=Decimal("2.5E+1"), currency="EUR")]
        )
    )
    assert (fields["NEW_ITEM-QUANTITY[1]"], fields["NEW_ITEM-PRICE[1]"]) == ("1000", "25")
