"""cXML purchase orders: the OrderRequest we build, and the confirmations and ship notices suppliers send back.

Plain pytest, no Django: every OrderRequest we build is checked against the official cXML 1.2.069 DTD and
read back; every sample confirmation and ship notice is read with its expected values written down here.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from punchout.cxml import (
    AccountingSegment,
    Address,
    Classification,
    ConfirmationRequest,
    Credential,
    CXMLError,
    Distribution,
    EntityNotAllowed,
    Header,
    InvalidDocument,
    Money,
    OrderItem,
    OrderRequest,
    PriceBasisQuantity,
    ShipNoticeRequest,
    UnexpectedDocument,
    build_order_request,
    credential_matches,
    document_type,
    parse_confirmation_request,
    parse_document,
    parse_order_request,
    parse_ship_notice_request,
)

from .support import FIXTURES, dtd_errors, sample

FULFILL_DTD = FIXTURES / "cxml" / "dtd" / "1.2.069" / "Fulfill.dtd"


@cache
def _fulfill_dtd() -> etree.DTD:
    return etree.DTD(str(FULFILL_DTD))


def fulfill_dtd_errors(document: bytes) -> list[str]:
    """What Fulfill.dtd finds wrong with a confirmation or ship notice written in these tests."""
    dtd = _fulfill_dtd()
    root = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    if dtd.validate(root):
        return []
    return [str(error) for error in dtd.error_log.filter_from_errors()]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ------------------------------------------------------------------------------------------ our orders

HEADER = Header(
    from_=Credential(domain="NetworkID", identity="ACME-BUYER"),
    to=Credential(domain="DUNS", identity="942888711"),
    sender=Credential(domain="NetworkID", identity="ACME-BUYER", shared_secret="s3cr3t"),
    user_agent="Procurement test",
)
BILL_TO = Address(
    name="ACME Accounts Payable",
    address_id="AP-1",
    street=("Box 100",),
    city="Malmö",
    postal_code="211 20",
    country="Sweden",
    country_code="SE",
    email="ap@acme.example",
)
SHIP_TO = Address(
    name="ACME Lager 3",
    address_id="WH-3",
    deliver_to=("Karin Lindström", "Goods reception"),
    street=("Hamngatan 1", "Port 4"),
    city="Malmö",
    state="Skåne",
    postal_code="211 22",
    country="Sweden",
    country_code="SE",
)
COST_CENTRE = Distribution(
    accounting_name="Marketing 2025",
    segments=(
        AccountingSegment(type="Cost Center", id="4711", description="Marketing"),
        AccountingSegment(type="GL Account", id="6540", description="Office supplies"),
    ),
    charge=Money(amount=Decimal("305.28"), currency="EUR"),
)


def chair(line_number: int = 1, **changes) -> OrderItem:
    item = OrderItem(
        line_number=line_number,
        quantity=Decimal("2"),
        supplier_part_id="5555",
        supplier_part_auxiliary_id="E000028901",
        unit_price=Money(amount=Decimal("254.40"), currency="EUR"),
        description="Excelsior Desk Chair, black leather",
        unit_of_measure="EA",
        classifications=(Classification(domain="UNSPSC", value="56101504"),),
        requested_delivery_date=date(2025, 4, 1),
        manufacturer_part_id="EX-5555-BLK",
        manufacturer_name="Excelsior",
    )
    return replace(item, **changes)


def order(**changes) -> OrderRequest:
    document = OrderRequest(
        header=HEADER,
        payload_id="1741000000000.4242.a1b2c3@procurement.example",
        timestamp=datetime(2025, 3, 3, 9, 15, tzinfo=UTC),
        order_id="PO-2025-0042",
        order_date=datetime(2025, 3, 3, 9, 14, 30, tzinfo=UTC),
        total=Money(amount=Decimal("508.80"), currency="EUR"),
        bill_to=BILL_TO,
        ship_to=SHIP_TO,
        items=(chair(),),
        comments="Deliver before noon, please.",
        extrinsics={"Requester": "alice@acme.example", "CostCenter": "4711"},
        deployment_mode="test",
    )
    return replace(document, **changes)


def many_lines(count: int) -> tuple[OrderItem, ...]:
    return tuple(
        chair(number, supplier_part_id=f"P-{number:05}", quantity=Decimal(number), description=f"Item {number}")
        for number in range(1, count + 1)
    )


ORDERS = {
    "new": order(),
    "update with DocumentReference": order(
        order_type="update",
        order_version=2,
        payload_id="1741000100000.4242.d4e5f6@procurement.example",
        document_reference_payload_id="1741000000000.4242.a1b2c3@procurement.example",
    ),
    "delete": order(
        order_type="delete",
        order_version=3,
        document_reference_payload_id="1741000100000.4242.d4e5f6@procurement.example",
    ),
    "without ShipTo": order(ship_to=None),
    "bill-to name only": order(bill_to=Address(name="ACME AB")),
    "with distributions": order(
        items=(
            chair(
                distributions=(
                    COST_CENTRE,
                    replace(COST_CENTRE, accounting_name="Sales", segments=(AccountingSegment(type="Unit", id="S"),)),
                )
            ),
            chair(2, distributions=(COST_CENTRE,), comments="Second chair for the reception"),
        ),
    ),
    "non-ASCII and markup": order(
        order_id="BE-Ø-42",
        comments='Größe & <Farbe> "schwarz" — 日本語 \U0001f600',
        items=(
            chair(
                description="Bürostuhl «Ergo» für Ærø & Łódź",
                extrinsics={"Farbe": "Grün & Weiß", "Größe": "XL"},
                manufacturer_name="Ångström Møbler",
            ),
        ),
        bill_to=replace(BILL_TO, name="Åbo Ölfabrik & Söner"),
    ),
    "many lines": order(items=many_lines(250)),
    "unclassified line with a price basis": order(
        items=(
            chair(
                classifications=(),
                supplier_part_auxiliary_id=None,
                manufacturer_part_id=None,
                manufacturer_name=None,
                requested_delivery_date=None,
                buyer_part_id="ACME-77",
                price_basis_quantity=PriceBasisQuantity(
                    quantity=Decimal(100), conversion_factor=Decimal(1), unit_of_measure="EA"
                ),
            ),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(ORDERS))
def test_a_built_order_is_valid_cxml_and_reads_back_the_same(name: str):
    # given an order
    document = ORDERS[name]

    # when it is built
    data = build_order_request(document)

    # then the official DTD accepts it and it reads back to the very same order
    assert dtd_errors(data) == []
    assert parse_order_request(data) == document
    assert parse_document(data) == document


def test_a_built_order_carries_the_given_payload_id_timestamp_and_shared_secret():
    # given an order with its stored payloadID and timestamp
    document = order()

    # when it is built twice (a retry)
    first, retry = build_order_request(document), build_order_request(document)

    # then both sends are byte for byte the same, with our payloadID, timestamp and the Sender's secret
    assert first == retry
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE cXML SYSTEM')
    assert b"/1.2.069/cXML.dtd" in first
    root = etree.fromstring(first)
    assert root.get("payloadID") == "1741000000000.4242.a1b2c3@procurement.example"
    assert root.get("timestamp") == "2025-03-03T09:15:00+00:00"
    assert root.findtext("Header/Sender/Credential/SharedSecret") == "s3cr3t"
    assert root.find("Header/From/Credential/SharedSecret") is None
    assert root.find("Request").get("deploymentMode") == "test"
    parsed = parse_order_request(first)
    assert credential_matches(parsed.header.sender, HEADER.sender)


def test_an_update_refers_to_the_order_it_replaces_in_its_header():
    # when an update is built
    root = etree.fromstring(build_order_request(ORDERS["update with DocumentReference"]))

    # then the header says update, version 2, and names the replaced order's payloadID where the DTD puts it
    header = root.find("Request/OrderRequest/OrderRequestHeader")
    assert (header.get("type"), header.get("orderVersion"), header.get("orderID")) == ("update", "2", "PO-2025-0042")
    assert [child.tag for child in header] == ["Total", "ShipTo", "BillTo", "Comments", "DocumentReference"] + [
        "Extrinsic"
    ] * 2
    assert header.find("DocumentReference").get("payloadID") == "1741000000000.4242.a1b2c3@procurement.example"


def test_a_line_is_written_in_the_dtd_order_with_its_accounting():
    root = etree.fromstring(build_order_request(ORDERS["with distributions"]))
    first = root.find("Request/OrderRequest/ItemOut")
    assert first.attrib == {"quantity": "2", "lineNumber": "1", "requestedDeliveryDate": "2025-04-01"}
    assert [child.tag for child in first] == ["ItemID", "ItemDetail", "Distribution", "Distribution"]
    segment = first.find("Distribution/Accounting/AccountingSegment")
    assert segment.get("id") == "4711"
    assert (segment.findtext("Name"), segment.findtext("Description")) == ("Cost Center", "Marketing")
    assert first.findtext("Distribution/Charge/Money") == "305.28"
    assert [child.tag for child in root.findall("Request/OrderRequest/ItemOut")[1]][-1] == "Comments"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"payload_id": ""}, "needs the payloadID stored with the order"),
        ({"timestamp": None}, "needs the timestamp stored with the order"),
        ({"order_date": None}, "needs an order date"),
        ({"items": ()}, "needs at least one line"),
        ({"items": (chair(1), chair(1))}, "line numbers must differ"),
        (
            {"items": (chair(distributions=(replace(COST_CENTRE, segments=()),)),)},
            "a Distribution of line 1 needs at least one accounting segment",
        ),
        ({"order_type": "update"}, "an update OrderRequest needs the payloadID of the order it replaces"),
        ({"order_type": "delete"}, "a delete OrderRequest needs the payloadID of the order it replaces"),
    ],
)
def test_an_order_that_cannot_be_sent_is_refused_before_building(changes: dict, message: str):
    with pytest.raises(ValueError, match=message):
        build_order_request(order(**changes))


# ------------------------------------------------------------------------------- round trip property

XML_CHARACTERS = st.characters(blacklist_categories=("Cs", "Cc", "Cn"))
MARKUP = st.sampled_from(["<b>", "&amp;", "&", '"', "'", "]]>", "\U0001f600", "𝄞", "Größe", "日本"])


def text(max_size: int = 60, min_size: int = 0) -> st.SearchStrategy[str]:
    # XML 1.0 text without surrounding blanks (the parsers strip them).
    pieces = st.lists(st.one_of(st.text(XML_CHARACTERS, max_size=12), MARKUP), max_size=6)
    return pieces.map(lambda parts: "".join(parts)[:max_size].strip()).filter(lambda value: len(value) >= min_size)


currencies = st.sampled_from(["EUR", "USD", "SEK", "JPY"])
quantities = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)
amounts = st.decimals(min_value=-(10**6), max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 12, 31),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
).map(lambda moment: moment.replace(microsecond=0))
extrinsic_names = st.sampled_from(["Requester", "CostCenter", "Größe", "GL & account", "PO<ref>"])


@st.composite
def addresses(draw: st.DrawFn) -> Address:
    with_postal = draw(st.booleans())
    return Address(
        name=draw(text(40)),
        address_id=draw(st.none() | text(20, min_size=1)),
        deliver_to=tuple(draw(st.lists(text(30), max_size=2))) if with_postal else (),
        street=tuple(draw(st.lists(text(30), min_size=1, max_size=2))) if with_postal else (),
        city=draw(text(30)) if with_postal else "",
        state=draw(st.none() | text(20)) if with_postal else None,
        postal_code=draw(st.none() | text(10)) if with_postal else None,
        country=draw(text(20, min_size=1)) if with_postal else "",
        country_code=draw(st.sampled_from(["SE", "DE", "US", "JP"])) if with_postal else "",
        email=draw(st.none() | text(40, min_size=1)),
    )


@st.composite
def order_items(draw: st.DrawFn, line_number: int, currency: str) -> OrderItem:
    money = st.builds(Money, amount=amounts, currency=st.just(currency))
    segments = st.builds(AccountingSegment, type=text(20), id=text(10), description=text(30))
    distributions = st.builds(
        Distribution,
        accounting_name=text(40),
        segments=st.lists(segments, min_size=1, max_size=3).map(tuple),
        charge=money,
    )
    return OrderItem(
        line_number=line_number,
        quantity=draw(quantities),
        supplier_part_id=draw(text(40)),
        supplier_part_auxiliary_id=draw(st.none() | text(40)),
        buyer_part_id=draw(st.none() | text(20)),
        unit_price=draw(money),
        description=draw(text(200)),
        unit_of_measure=draw(st.sampled_from(["EA", "C62", "HUR", "BX"])),
        classifications=tuple(
            Classification(domain=domain, value=value)
            for domain, value in draw(
                st.lists(
                    st.tuples(st.sampled_from(["UNSPSC", "eCl@ss"]), st.from_regex(r"\A[0-9]{8}([0-9]{2})?\Z")),
                    max_size=2,
                )
            )
        ),
        requested_delivery_date=draw(st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))),
        manufacturer_part_id=draw(st.none() | text(30)),
        manufacturer_name=draw(st.none() | text(30)),
        distributions=tuple(draw(st.lists(distributions, max_size=2))),
        comments=draw(text(80)),
        extrinsics=draw(st.dictionaries(extrinsic_names, text(40), max_size=3)),
    )


@st.composite
def orders(draw: st.DrawFn) -> OrderRequest:
    currency = draw(currencies)
    order_type = draw(st.sampled_from(["new", "update", "delete"]))
    count = draw(st.integers(min_value=1, max_value=8))
    numbers = draw(st.lists(st.integers(min_value=1, max_value=9999), min_size=count, max_size=count, unique=True))
    return OrderRequest(
        header=Header(
            from_=Credential(domain="DUNS", identity=draw(text(30))),
            to=Credential(domain="NetworkID", identity=draw(text(30))),
            sender=Credential(domain="DUNS", identity=draw(text(30)), shared_secret=draw(text(30))),
            user_agent="Procurement orders",
        ),
        payload_id=draw(text(80, min_size=1)),
        timestamp=draw(moments),
        order_id=draw(text(40, min_size=1)),
        order_date=draw(moments),
        order_type=order_type,
        order_version=draw(st.integers(min_value=1, max_value=99)),
        total=Money(amount=draw(amounts), currency=currency),
        bill_to=draw(addresses()),
        ship_to=draw(st.none() | addresses()),
        items=tuple(draw(order_items(number, currency)) for number in numbers),
        comments=draw(text(120)),
        extrinsics=draw(st.dictionaries(extrinsic_names, text(40), max_size=3)),
        document_reference_payload_id=(
            draw(text(80, min_size=1)) if order_type != "new" else draw(st.none() | text(80, min_size=1))
        ),
        deployment_mode=draw(st.sampled_from(["production", "test"])),
        lang=draw(st.sampled_from(["en-US", "de-DE", "sv"])),
    )


@settings(max_examples=80, deadline=None)
@given(orders())
def test_any_built_order_is_valid_and_reads_back_the_same(document: OrderRequest):
    # when a random order is built, then it is valid cXML and reads back unchanged
    data = build_order_request(document)
    assert dtd_errors(data) == []
    assert parse_order_request(data) == document


# --------------------------------------------------------------------------------------- order samples


def test_order_sample_cxml_php_1_2_050():
    document = parse_order_request(sample("OrderRequest__cxml-php__1.2.050.xml"))
    assert (document.order_id, document.order_type, document.order_version) == ("DO1234", "new", 1)
    assert document.payload_id == "1625586002.193314.7293@dev"
    assert document.deployment_mode == "test"
    assert document.header.sender.shared_secret == "coyote"
    assert document.total == Money(amount=Decimal("85.00"), currency="EUR")
    assert document.ship_to is not None and document.ship_to.deliver_to == ("Joe Smith", "Mailstop M-543")
    assert (document.bill_to.name, document.bill_to.country_code) == ("Zinc GmbH", "DE")
    assert document.comments == ""  # only an Attachment, no text
    first, second = document.items
    assert (first.line_number, first.quantity, first.supplier_part_id) == (1, Decimal(10), "1233244")
    assert first.unit_price == Money(amount=Decimal("2.10"), currency="EUR")
    assert first.requested_delivery_date == date(2020, 2, 28)
    assert first.classifications == (Classification(domain="custom", value="0"),)
    assert second.comments == "Test comment"


def test_order_sample_builder_fixture():
    document = parse_order_request(sample("OrderRequest__cxml-php__builder_fixture.xml"))
    assert document.order_id == "myorder-1"
    assert document.header.sender.shared_secret is None
    assert document.bill_to.name == "name"
    assert [(item.supplier_part_id, item.buyer_part_id, item.quantity) for item in document.items] == [
        ("5555", "KD5555", Decimal(3)),
        ("666", "KD666", Decimal(5)),
    ]
    assert document.total.amount == sum((item.line_total for item in document.items), Decimal(0))


def test_order_sample_custom_dtd_payment():
    document = parse_order_request(sample("OrderRequest__cxml-php__custom_dtd_payment.xml"))
    assert document.order_id == "acme-1-1"
    [item] = document.items
    assert (item.supplier_part_id, item.quantity, item.description) == ("QA-ACME-AUTOTEST", Decimal(1), "Testing")
    assert item.unit_price == Money(amount=Decimal("10.00"), currency="USD")


def test_order_sample_coupa_1_2_014_with_deprecated_segments():
    document = parse_order_request(sample("OrderRequest__officeluv__1.2.014.xml"))
    assert document.order_id == "3309"
    assert document.extrinsics == {"legacy_po": ""}
    assert document.ship_to is not None and document.ship_to.email == "asdfklajsdfkjl@optisconsulting.com"
    first, second = document.items
    assert (first.supplier_part_id, first.supplier_part_auxiliary_id) == ("product:1861", "product-requisition:6236")
    assert first.extrinsics == {"LineType": "Quantity"}
    [distribution] = first.distributions
    assert distribution.segments[0] == AccountingSegment(
        type="Main Account (PL/BS)", id="10012", description="MAccount"
    )
    assert len(distribution.segments) == 4
    assert second.distributions[0].charge == Money(amount=Decimal("83.61"), currency="USD")


def test_order_sample_coupa_segments_distribution():
    document = parse_order_request(sample("OrderRequest__officeluv__coupa_segments_distribution.xml"))
    assert document.order_id == "6112"
    assert document.comments == "header comment goes here if entered by user"
    first = document.items[0]
    assert first.supplier_part_auxiliary_id == "1005379527029\\1"
    assert first.classifications == (Classification(domain="UNSPSC", value="44000000"),)
    assert first.comments == "line item comment goes here if entered by user"
    assert [segment.id for segment in first.distributions[0].segments] == ["bbb", "b", "bb"]
    # The header Total (1505.0) is the supplier system's own figure and is kept as sent.
    assert document.total.amount == Decimal("1505.0")
    assert sum((item.line_total for item in document.items), Decimal(0)) == Decimal("4515.0")


# -------------------------------------------------------------------------------- confirmation samples


def test_confirmation_sample_price_change_and_backorder_split():
    # given a detail confirmation: line 1 at a new price, line 2 split into 15 accepted and 5 backordered
    document = parse_confirmation_request(
        sample("ConfirmationRequest__derived__detail_pricechange_backorder_split.xml")
    )

    # then the confirmation names our order and every status is read
    assert (document.type, document.operation, document.confirm_id) == ("detail", "new", "SO-88812")
    assert (document.order_id, document.order_payload_id) == ("DO1234", "1625586002.193314.7293@dev")
    assert document.order_date == at("2000-10-12T18:41:29-08:00")
    assert document.notice_date == at("2025-03-04T13:00:00+01:00")
    assert document.total == Money(amount=Decimal("86.50"), currency="EUR")
    assert document.header.sender.shared_secret == "coyote"
    assert document.deployment_mode == "test"
    first, second = document.items
    [price_change] = first.statuses
    assert (first.line_number, first.quantity, first.unit_of_measure) == (1, Decimal(10), "EA")
    assert (price_change.type, price_change.quantity) == ("detail", Decimal(10))
    assert price_change.unit_price == Money(amount=Decimal("2.25"), currency="EUR")
    assert price_change.comments == "price change: new list price"
    assert price_change.delivery_date == at("2025-03-10T12:00:00+01:00")
    accepted, backordered = second.statuses
    assert (second.line_number, second.quantity) == (2, Decimal(20))
    assert (accepted.type, accepted.quantity, accepted.unit_price) == ("accept", Decimal(15), None)
    assert (backordered.type, backordered.quantity) == ("backordered", Decimal(5))
    assert backordered.shipment_date == at("2025-04-01T08:00:00+01:00")
    assert backordered.delivery_date is None
    assert second.quantity_with_status("backordered") == Decimal(5)
    assert document.item(2) == second and document.item(3) is None


def test_confirmation_sample_whole_order_rejected():
    document = parse_confirmation_request(sample("ConfirmationRequest__derived__reject_whole_order.xml"))
    assert (document.type, document.items, document.confirm_id) == ("reject", (), "")
    assert (document.order_id, document.order_payload_id) == ("DO1234", "1625586002.193314.7293@dev")
    assert document.comments == "Customer account on credit hold"
    assert document.total is None


@pytest.mark.parametrize(
    "name",
    ["ConfirmationRequest__officeluv__detail_accept_extrinsics.xml", "ConfirmationRequest__sosedoff__envelope3.xml"],
)
def test_confirmation_samples_office_depot_all_accepted(name: str):
    # given Office Depot's confirmation (no DOCTYPE, version 1.2.011, an empty confirmID)
    document = parse_confirmation_request(sample(name))

    # then all three lines are accepted at the supplier's prices
    assert (document.type, document.confirm_id, document.deployment_mode) == ("detail", "", "production")
    assert document.order_id == "400-2591453-0"
    assert document.order_payload_id == "20120904023747.cXMLPurchaseOrder.984556224@eprosvcs.com"
    assert document.header.sender == Credential(domain="NetworkID", identity="AN01000000147", shared_secret="welcome")
    lines = [
        (item.line_number, item.quantity, item.unit_of_measure, status.type, status.quantity, status.unit_price)
        for item in document.items
        for status in item.statuses
    ]
    assert lines == [
        (1, Decimal(20), "RM", "accept", Decimal(20), Money(amount=Decimal("4.44"), currency="USD")),
        (2, Decimal(12), "BX", "accept", Decimal(12), Money(amount=Decimal("1.52"), currency="USD")),
        (3, Decimal(2), "EA", "accept", Decimal(2), Money(amount=Decimal("4.14"), currency="USD")),
    ]
    first = document.items[0].statuses[0]
    assert first.shipment_date == first.delivery_date == at("2012-09-05T12:00:00-05:00")
    assert first.comments == ""
    assert first.extrinsics["SupplierPartID"] == "751441"


# -------------------------------------------------------------------------------- ship notice samples


def test_ship_notice_sample_whole_order():
    document = parse_ship_notice_request(sample("ShipNoticeRequest__cxml-php__fulfill_1.2.050.xml"))
    assert (document.shipment_id, document.operation) == ("S2-123", "new")
    assert document.shipment_date == at("2000-10-14T08:30:19-08:00")
    assert document.delivery_date == at("2000-10-18T09:00:00-08:00")
    assert document.carrier == "Federal Express"
    assert document.carrier_identifiers == {"SCAC": "FDE", "companyName": "Federal Express"}
    assert document.tracking_number == "8202 8261 1194"
    assert document.comments == "Got it all into one shipment."
    assert document.header.sender.shared_secret == "abracadabra"
    [portion] = document.portions
    assert (portion.order_id, portion.order_payload_id, portion.order_date) == ("DO1234", "32232995@hub.acme.com", None)
    assert portion.whole_order and portion.items == ()


def test_ship_notice_sample_partial_with_lines():
    document = parse_ship_notice_request(sample("ShipNoticeRequest__derived__partial_with_items.xml"))
    assert document.shipment_id == "ASN-2025-0042"
    assert (document.carrier, document.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert document.carrier_identifiers["SCAC"] == "UPSN"
    assert document.deployment_mode == "test"
    [portion] = document.portions
    assert portion.order_payload_id == "1625586002.193314.7293@dev"
    assert not portion.whole_order
    assert [(line.line_number, line.quantity, line.unit_of_measure) for line in portion.items] == [
        (1, Decimal(10), "EA"),
        (2, Decimal(15), "EA"),
    ]


def test_parse_document_returns_order_documents():
    assert isinstance(parse_document(sample("OrderRequest__officeluv__1.2.014.xml")), OrderRequest)
    confirmation = sample("ConfirmationRequest__derived__reject_whole_order.xml")
    assert isinstance(parse_document(confirmation), ConfirmationRequest)
    assert isinstance(parse_document(sample("ShipNoticeRequest__derived__partial_with_items.xml")), ShipNoticeRequest)


def test_a_document_of_another_kind_is_406():
    with pytest.raises(UnexpectedDocument) as caught:
        parse_confirmation_request(sample("ShipNoticeRequest__derived__partial_with_items.xml"))
    assert caught.value.status_code == 406
    assert caught.value.message == "expected a ConfirmationRequest, got a ShipNoticeRequest"
    with pytest.raises(UnexpectedDocument, match="expected an OrderRequest, got a PunchOutSetupResponse"):
        parse_order_request(sample("PunchOutSetupResponse__6-mils__200.xml"))
    with pytest.raises(UnexpectedDocument, match="expected a ShipNoticeRequest, got an OrderRequest"):
        parse_ship_notice_request(sample("OrderRequest__cxml-php__1.2.050.xml"))


# ------------------------------------------------------------------- confirmations written as strings

SUPPLIER_HEADER = """
  <Header>
    <From><Credential domain="NetworkId"><Identity>supplier@supplier.com</Identity></Credential></From>
    <To><Credential domain="NetworkId"><Identity>ACME-BUYER</Identity></Credential></To>
    <Sender><Credential domain="NetworkId"><Identity>supplier@supplier.com</Identity>
      <SharedSecret>coyote</SharedSecret></Credential><UserAgent>OMS</UserAgent></Sender>
  </Header>"""
REFERENCE = '<OrderReference orderID="PO-7"><DocumentReference payloadID="po-7@acme"/></OrderReference>'
LINE = """
      <ConfirmationItem quantity="4" lineNumber="{number}">
        <UnitOfMeasure>EA</UnitOfMeasure>
        <ConfirmationStatus quantity="4" type="accept"><UnitOfMeasure>EA</UnitOfMeasure></ConfirmationStatus>
      </ConfirmationItem>"""


def confirmation_xml(
    *,
    header: str = 'confirmID="C-1" type="detail" noticeDate="2025-03-04T13:00:00+01:00"',
    reference: str = REFERENCE,
    items: str = LINE.format(number=1) + LINE.format(number=2),
    doctype: str = '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.069/Fulfill.dtd">',
    root: str = "cXML",
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<{root} payloadID="c-1@supplier" timestamp="2025-03-04T13:00:00+01:00" xml:lang="en-US">{SUPPLIER_HEADER}
  <Request>
    <ConfirmationRequest>
      <ConfirmationHeader {header}/>
      {reference}{items}
    </ConfirmationRequest>
  </Request>
</{root}>""".encode()


def test_the_written_confirmation_is_valid_against_fulfill_dtd():
    # the refusal tests below change one thing in a document the official DTD accepts
    assert fulfill_dtd_errors(confirmation_xml()) == []
    assert len(parse_confirmation_request(confirmation_xml()).items) == 2


def test_a_sloppy_confirmation_is_read_anyway():
    # given no DOCTYPE, a lowercase root, odd capitals, padded values and an unreadable timestamp
    data = confirmation_xml(
        doctype="",
        root="cxml",
        header='confirmID="  C-1 " type="ACCEPT" operation="Update" noticeDate="yesterday"',
        reference='<OrderReference orderID=" PO-7 "><DocumentReference payloadID=" po-7@acme "/></OrderReference>',
        items=LINE.format(number=" 1 ").replace('type="accept"', 'type="BackOrdered"'),
    )

    # when read, then the meaning is kept and the timestamp is None rather than a refusal
    document = parse_confirmation_request(data)
    assert (document.type, document.operation, document.confirm_id) == ("accept", "update", "C-1")
    assert (document.order_id, document.order_payload_id) == ("PO-7", "po-7@acme")
    assert document.notice_date is None
    assert document.items[0].line_number == 1
    assert document.items[0].statuses[0].type == "backordered"


def test_a_confirmation_line_may_carry_a_substituted_item():
    item_in = """<ItemIn quantity="4"><ItemID><SupplierPartID>5556</SupplierPartID></ItemID>
        <ItemDetail><UnitPrice><Money currency="eur">260.00</Money></UnitPrice>
        <Description xml:lang="en">Excelsior Desk Chair, brown</Description><UnitOfMeasure>EA</UnitOfMeasure>
        <Classification domain="UNSPSC">56101504</Classification></ItemDetail></ItemIn>"""
    items = LINE.format(number=1).replace(
        '<ConfirmationStatus quantity="4" type="accept"><UnitOfMeasure>EA</UnitOfMeasure>',
        f'<ConfirmationStatus quantity="4" type="detail"><UnitOfMeasure>EA</UnitOfMeasure>{item_in}',
    )
    data = confirmation_xml(items=items)
    assert fulfill_dtd_errors(data) == []
    [status] = parse_confirmation_request(data).items[0].statuses
    assert status.unit_price == Money(amount=Decimal("260.00"), currency="EUR")
    assert status.item is not None and status.item.supplier_part_id == "5556"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reference": ""}, "the ConfirmationRequest has no OrderReference"),
        (
            {"reference": "<OrderReference><DocumentReference payloadID=' '/></OrderReference>"},
            "the OrderReference of the ConfirmationRequest has no orderID and no DocumentReference payloadID",
        ),
        ({"items": LINE.format(number=1) + LINE.format(number="")}, "ConfirmationItem 2 has no lineNumber"),
        (
            {"items": LINE.format(number="two")},
            "the lineNumber of ConfirmationItem 1 is not a whole number: 'two'",
        ),
        (
            {"items": LINE.format(number=1).replace('quantity="4" lineNumber', "lineNumber")},
            "ConfirmationItem 1 has no quantity",
        ),
        (
            {"items": LINE.format(number=1).replace('quantity="4" type', 'quantity="four" type')},
            "the quantity of ConfirmationStatus 1 of ConfirmationItem 1 is not a number: 'four'",
        ),
        (
            {"items": LINE.format(number=1).replace('type="accept"', 'type="maybe"')},
            "the type of ConfirmationStatus 1 of ConfirmationItem 1 'maybe' is not one of",
        ),
        (
            {"items": LINE.format(number=1).replace('type="accept"', "")},
            "the type of ConfirmationStatus 1 of ConfirmationItem 1 is missing",
        ),
        (
            {
                "items": """<ConfirmationItem quantity="4" lineNumber="1">
                <UnitOfMeasure>EA</UnitOfMeasure></ConfirmationItem>"""
            },
            "ConfirmationItem 1 has no ConfirmationStatus",
        ),
        ({"items": ""}, "the ConfirmationRequest of type detail has no ConfirmationItem"),
        ({"header": 'noticeDate="2025-03-04T13:00:00+01:00"'}, "the ConfirmationHeader type is missing"),
        ({"header": 'type="shrug"'}, "the ConfirmationHeader type 'shrug' is not one of accept, allDetail"),
        (
            {
                "items": LINE.format(number=1).replace(
                    "</ConfirmationStatus>",
                    "<UnitPrice><Money currency='EUR'>1,50</Money></UnitPrice></ConfirmationStatus>",
                )
            },
            "the UnitPrice of ConfirmationStatus 1 of ConfirmationItem 1 is not a number: '1,50'",
        ),
    ],
)
def test_an_incomplete_confirmation_is_refused_with_400(changes: dict, message: str):
    with pytest.raises(InvalidDocument) as caught:
        parse_confirmation_request(confirmation_xml(**changes))
    assert caught.value.status_code == 400
    assert message in caught.value.message


def test_a_whole_order_accept_needs_no_lines():
    document = parse_confirmation_request(confirmation_xml(header='type="accept" noticeDate="x"', items=""))
    assert (document.type, document.items) == ("accept", ())


def test_a_confirmation_declaring_an_external_entity_is_refused(tmp_path):
    # given a confirmation whose DOCTYPE declares an entity reading a local file into the comments
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    doctype = f'<!DOCTYPE cXML [<!ENTITY leak SYSTEM "file://{secret}">]>'
    data = confirmation_xml(doctype=doctype, header='type="reject" noticeDate="x"', items="").replace(
        b"<ConfirmationHeader", b"<!-- &leak; --><ConfirmationHeader"
    )

    # when read, then it is refused before parsing and nothing of the file comes back
    with pytest.raises(EntityNotAllowed) as caught:
        parse_confirmation_request(data)
    assert caught.value.status_code == 400
    assert "root:x" not in caught.value.message
    with pytest.raises(CXMLError):
        parse_document(data)


# --------------------------------------------------------------------- ship notices written as strings


def ship_notice_xml(
    *, header: str = 'shipmentID="ASN-1" noticeDate="2025-03-05T09:30:00+01:00"', portions: str
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="s-1@supplier" timestamp="2025-03-05T09:30:00+01:00">{SUPPLIER_HEADER}
  <Request><ShipNoticeRequest><ShipNoticeHeader {header}/>{portions}</ShipNoticeRequest></Request>
</cXML>""".encode()


def test_a_ship_notice_may_cover_several_orders():
    portions = f"""
      <ShipNoticePortion>{REFERENCE}</ShipNoticePortion>
      <ShipNoticePortion><OrderReference orderID="PO-8"><DocumentReference payloadID="po-8@acme"/></OrderReference>
        <ShipNoticeItem quantity="1" lineNumber="3"><ItemID><SupplierPartID>5555</SupplierPartID></ItemID>
          <UnitOfMeasure>EA</UnitOfMeasure></ShipNoticeItem>
      </ShipNoticePortion>"""
    data = ship_notice_xml(portions=portions)
    assert fulfill_dtd_errors(data) == []
    document = parse_ship_notice_request(data)
    whole, partial = document.portions
    assert (whole.order_id, whole.whole_order) == ("PO-7", True)
    assert (partial.order_id, partial.whole_order) == ("PO-8", False)
    assert partial.items[0].supplier_part_id == "5555"
    assert (document.carrier, document.tracking_number, document.carrier_identifiers) == (None, None, {})


@pytest.mark.parametrize(
    ("header", "portions", "message"),
    [
        (None, "", "the ShipNoticeRequest has no ShipNoticePortion: it names no order"),
        (None, "<ShipNoticePortion/>", "ShipNoticePortion 1 has no OrderReference"),
        (
            None,
            f"<ShipNoticePortion>{REFERENCE}<ShipNoticeItem quantity='1'><UnitOfMeasure>EA</UnitOfMeasure>"
            "</ShipNoticeItem></ShipNoticePortion>",
            "ShipNoticeItem 1 of ShipNoticePortion 1 has no lineNumber",
        ),
        (
            None,
            f"<ShipNoticePortion>{REFERENCE}<ShipNoticeItem lineNumber='1'><UnitOfMeasure>EA</UnitOfMeasure>"
            "</ShipNoticeItem></ShipNoticePortion>",
            "ShipNoticeItem 1 of ShipNoticePortion 1 has no quantity",
        ),
        (
            'noticeDate="2025-03-05T09:30:00+01:00"',
            f"<ShipNoticePortion>{REFERENCE}</ShipNoticePortion>",
            "no shipmentID",
        ),
    ],
)
def test_an_incomplete_ship_notice_is_refused_with_400(header: str | None, portions: str, message: str):
    data = ship_notice_xml(portions=portions) if header is None else ship_notice_xml(header=header, portions=portions)
    with pytest.raises(InvalidDocument) as caught:
        parse_ship_notice_request(data)
    assert caught.value.status_code == 400
    assert message in caught.value.message


# -------------------------------------------------------------------------------- orders as strings


def test_an_order_without_lines_or_order_id_is_refused():
    data = sample("OrderRequest__cxml-php__builder_fixture.xml")
    without_lines = etree.fromstring(data)
    body = without_lines.find("Request/OrderRequest")
    for item in body.findall("ItemOut"):
        body.remove(item)
    with pytest.raises(InvalidDocument, match="the OrderRequest has no ItemOut"):
        parse_order_request(etree.tostring(without_lines))
    with pytest.raises(InvalidDocument, match="the OrderRequestHeader has no orderID"):
        parse_order_request(data.replace(b'orderID="myorder-1"', b""))
    with pytest.raises(InvalidDocument, match="ItemOut 2 has no quantity"):
        parse_order_request(data.replace(b'<ItemOut quantity="5"', b"<ItemOut"))


def test_document_type_still_names_order_documents():
    assert document_type(sample("ConfirmationRequest__sosedoff__envelope3.xml")) == "ConfirmationRequest"
