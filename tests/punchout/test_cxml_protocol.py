"""cXML punchout behaviour beyond the corpus: leniency, refusals, builders, and the public contract."""

import base64
import re
import subprocess
import sys
import textwrap
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from punchout.cxml import (
    CXML_VERSION,
    DOCTYPE,
    Address,
    AuthenticationFailed,
    Classification,
    Contact,
    Credential,
    CXMLError,
    Header,
    InvalidDocument,
    ItemIn,
    ItemOut,
    MalformedDocument,
    Money,
    NotAPunchoutDocument,
    NotImplementedRequest,
    PreconditionFailed,
    PriceBasisQuantity,
    ProfileRequest,
    ProfileResponse,
    ProfileTransaction,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    SecretInBrowser,
    Status,
    UnexpectedDocument,
    build_profile_request,
    build_profile_response,
    build_punchout_order_message,
    build_punchout_setup_request,
    build_punchout_setup_response,
    build_response,
    credential_matches,
    document_type,
    error_response,
    extract_cxml_from_form,
    parse_document,
    parse_profile_request,
    parse_punchout_order_message,
    parse_punchout_setup_request,
    parse_punchout_setup_response,
    parse_response,
    parse_timestamp,
)

from .support import dtd_errors, sample

REPOSITORY = Path(__file__).resolve().parents[2]

HEADER = Header(
    from_=Credential(domain="NetworkID", identity="ACME-BUYER"),
    to=Credential(domain="DUNS", identity="942888711"),
    sender=Credential(domain="NetworkID", identity="ACME-BUYER", shared_secret="s3cr3t"),
    user_agent="Procurement test",
)


def chair(**changes) -> ItemIn:
    item = ItemIn(
        quantity=Decimal("2"),
        supplier_part_id="5555",
        supplier_part_auxiliary_id="E000028901",
        unit_price=Money(amount=Decimal("254.40"), currency="USD"),
        unit_of_measure="EA",
        description="Leather Reclining Desk Chair with Padded Arms",
        short_name="Excelsior Desk Chair",
        classifications=(Classification(domain="UNSPSC", value="5136030000"),),
        lead_time=12,
        line_number=1,
    )
    return replace(item, **changes)


def as_item_out(item: ItemIn) -> ItemOut:
    return ItemOut(**{field.name: getattr(item, field.name) for field in fields(item)})


def cart(*items: ItemIn, **changes) -> PunchOutOrderMessage:
    message = PunchOutOrderMessage(
        header=replace(HEADER, sender=replace(HEADER.sender, shared_secret=None)),
        buyer_cookie="c0ffee",
        operation_allowed="edit",
        items=items,
    )
    return replace(message, **changes)


def poom_xml(items: str, *, message_extra: str = "", cookie: str = "<BuyerCookie>c1</BuyerCookie>") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="p1" timestamp="2025-03-04T10:20:00+01:00">
  <Header>
    <From><Credential domain="DUNS"><Identity>1</Identity></Credential></From>
    <To><Credential domain="DUNS"><Identity>2</Identity></Credential></To>
    <Sender><Credential domain="shop"><Identity>web</Identity></Credential><UserAgent>x</UserAgent></Sender>
  </Header>
  <Message>{message_extra}<PunchOutOrderMessage>{cookie}
    <PunchOutOrderMessageHeader operationAllowed="create"><Total><Money currency="EUR">1</Money></Total>
    </PunchOutOrderMessageHeader>{items}</PunchOutOrderMessage></Message>
</cXML>""".encode()


def item_xml(quantity: str | None = "1", price: str = "10.00", part: str = "A-1") -> str:
    quantity_attribute = "" if quantity is None else f' quantity="{quantity}"'
    return (
        f"<ItemIn{quantity_attribute}><ItemID><SupplierPartID>{part}</SupplierPartID></ItemID><ItemDetail>"
        f'<UnitPrice><Money currency="EUR">{price}</Money></UnitPrice><Description xml:lang="en">x</Description>'
        '<UnitOfMeasure>EA</UnitOfMeasure><Classification domain="UNSPSC">1</Classification></ItemDetail></ItemIn>'
    )


# ------------------------------------------------------------------------------------------- leniency


def test_a_lowercase_root_and_padded_cookie_are_read_when_no_secret_travels():
    # given the officeluv cart without its SharedSecret line
    data = sample("PunchOutOrderMessage__officeluv__lowercase_root_gbp_empty.xml")
    data = re.sub(rb"\s*<SharedSecret>.*?</SharedSecret>", b"", data)

    # when parsed
    message = parse_punchout_order_message(data)

    # then the lowercase <cxml> root is accepted and the cookie is stripped
    assert message.buyer_cookie == "example_buyer_cookie"
    assert message.total == Money(amount=Decimal("5.35"), currency="GBP")
    assert message.items == ()
    assert message.header.to.domain == "NetworkId"


def test_a_shared_secret_in_a_browser_posted_cart_is_refused():
    with pytest.raises(SecretInBrowser) as caught:
        parse_punchout_order_message(sample("PunchOutOrderMessage__officeluv__lowercase_root_gbp_empty.xml"))
    assert caught.value.status_code == 400
    assert caught.value.message.startswith("a shared secret must not travel through the browser")
    assert "{shared secret in here}" not in caught.value.message


def test_coupa_setup_request_keeps_extrinsics_in_order_and_reads_the_odd_timestamp():
    request = parse_punchout_setup_request(sample("PunchOutSetupRequest__officeluv__coupa_extrinsics_badtimestamp.xml"))
    assert list(request.extrinsics) == ["FirstName", "LastName", "UniqueName", "UserEmail", "User", "BusinessUnit"]
    assert request.extrinsic("useremail") == "noah+jim@coupa.com"
    assert request.extrinsic("CostCenter") is None
    assert request.timestamp == datetime(2008, 5, 19, 18, 29, 48, tzinfo=UTC)
    assert request.contact == Contact(name="jim", email="noah+jim@coupa.com", role="endUser", lang="en-US")
    assert request.header.user_agent == "Coupa Procurement 1.0"
    assert request.header.sender.shared_secret == "test"


def test_urls_and_identities_wrapped_in_whitespace_are_stripped():
    request = parse_punchout_setup_request(
        sample("PunchOutSetupRequest__officeluv__shipto_nodoctype_whitespace_url.xml")
    )
    assert request.browser_form_post_url == "http://return_to_supplier_url.com"
    assert request.supplier_setup_url == "http://localhost:3000"
    assert request.header.from_.identity == "punchout@test.com"
    assert request.lang == "en-UK"
    assert request.ship_to is not None
    assert request.ship_to.address_id == "3119"
    assert request.ship_to.street == ("333 East Hill Dr",)
    assert request.ship_to.country_code == "US"
    assert request.ship_to.phone == "+1 855 8671234"


def test_a_setup_request_without_browser_form_post_has_no_return_url():
    request = parse_punchout_setup_request(sample("PunchOutSetupRequest__business-cxml__contact_only.xml"))
    assert request.browser_form_post_url is None
    assert request.contact is not None and request.contact.phone == "+1 888 5551212"


def test_an_edit_setup_request_keeps_the_auxiliary_ids_of_its_lines():
    request = parse_punchout_setup_request(sample("PunchOutSetupRequest__derived__edit_itemout_from_6-mils_cart.xml"))
    assert request.operation == "edit"
    assert request.deployment_mode == "test"
    assert [item.supplier_part_auxiliary_id for item in request.items_out] == ["E000028901", "E000028901"]
    assert [item.line_number for item in request.items_out] == [1, 2]
    assert request.extrinsic("CostCenter") == "4711"


def test_selected_item_is_read():
    request = parse_punchout_setup_request(
        sample("PunchOutSetupRequest__cxml-php__create_extrinsic_selecteditem_itemout.xml")
    )
    assert request.selected_item == "4545321"
    assert request.supplier_setup_url == "http://workchairs.com/cxml"
    assert request.items_out[0].classifications == (Classification(domain="UNSPSC", value="ean1234"),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-01-01T00:00:00-0500", datetime(2018, 1, 1, tzinfo=UTC) + timedelta(hours=5)),
        ("2002-08-15T08:47:00-07:00", datetime(2002, 8, 15, 15, 47, tzinfo=UTC)),
        ("2010-12-22T19:03:37Z", datetime(2010, 12, 22, 19, 3, 37, tzinfo=UTC)),
        ("Mon May 19 18:29:48 +0000 2008", datetime(2008, 5, 19, 18, 29, 48, tzinfo=UTC)),
    ],
)
def test_timestamps_with_an_offset_in_any_shape(text: str, expected: datetime):
    parsed = parse_timestamp(text)
    assert parsed is not None and parsed == expected


def test_a_timestamp_without_offset_is_naive_and_garbage_is_none():
    assert parse_timestamp("2025-01-01T10:00:00") == datetime(2025, 1, 1, 10)
    assert parse_timestamp("yesterday at noon") is None
    assert parse_timestamp("") is None


def test_a_garbage_timestamp_never_refuses_the_document():
    data = sample("PunchOutSetupRequest__business-cxml__nodoctype.xml").replace(
        b'timestamp="2018-01-01T00:00:00-0500"', b'timestamp="not a time"'
    )
    assert parse_punchout_setup_request(data).timestamp is None


def test_cdata_short_name_only_description():
    message = parse_punchout_order_message(
        sample("PunchOutOrderMessage__cxml-php__create_cdata_shortname_total_mismatch.xml")
    )
    first = message.items[0]
    assert (first.description, first.short_name, first.text) == ("", "Excelsior Desk Chair", "Excelsior Desk Chair")
    assert first.buyer_part_id == "KD5555"
    # the supplier's Total (763.20) is kept as sent; the lines add up to 3*763.20 + 5*763.20
    assert message.total == Money(amount=Decimal("763.20"), currency="USD")
    assert message.lines_total == Money(amount=Decimal("6105.60"), currency="USD")


def test_price_basis_quantity_gives_the_effective_unit_price():
    [item] = parse_punchout_order_message(sample("PunchOutOrderMessage__cxml-php__pricebasisquantity.xml")).items
    assert item.price_basis_quantity == PriceBasisQuantity(
        quantity=Decimal(2),
        conversion_factor=Decimal("0.5"),
        unit_of_measure="BOX",
        description="1 Box is 2 EA and the unit price is for 2",
    )
    # 104.99 for 2 price units, one ordered unit being 0.5 of them
    assert item.effective_unit_price == Decimal("26.2475")
    assert item.line_total == Decimal("52.4950")


def test_ten_digit_unspsc_short_name_and_lead_time():
    message = parse_punchout_order_message(sample("PunchOutOrderMessage__6-mils__edit_auxid_leadtime.xml"))
    first = message.items[0]
    assert first.classification("unspsc") == "5136030000"
    assert (first.short_name, first.description) == (
        "Excelsior Desk Chair",
        "Leather Reclining Desk Chair with Padded Arms",
    )
    assert first.lead_time == 12
    assert first.supplier_part_auxiliary_id == "E000028901"
    assert message.operation_allowed == "edit"
    assert message.header.sender == Credential(domain="workchairs.com", identity="website 1")


def test_industry_cart_reads_manufacturer_shipping_and_tax():
    message = parse_punchout_order_message(sample("PunchOutOrderMessage__business-cxml__cad_fr_industry_composite.xml"))
    first = message.items[0]
    assert (first.manufacturer_part_id, first.manufacturer_name) == ("2000", "Gildan")
    assert first.url == "https://example.com/products/2000"
    assert first.description_lang == "fr-CA"
    assert first.line_number == 1
    assert message.shipping == Money(amount=Decimal("0.02"), currency="CAD")
    assert message.tax == Money(amount=Decimal("0.05"), currency="CAD")
    assert message.quote_status == "pending"
    assert message.items[2].unit_of_measure == "HUR"


def test_status_204_means_no_change_and_an_empty_cart_means_remove_everything():
    unchanged = parse_punchout_order_message(sample("PunchOutOrderMessage__derived__edit_cancel_status204.xml"))
    emptied = parse_punchout_order_message(sample("PunchOutOrderMessage__derived__edit_empty_cart.xml"))
    assert unchanged.is_no_change and unchanged.items == ()
    assert not emptied.is_no_change and emptied.items == ()


def test_iso_8859_1_and_bom_documents_are_read():
    latin = poom_xml(item_xml()).replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    latin = latin.replace(b"<Identity>web</Identity>", "<Identity>Müller Bürobedarf</Identity>".encode("latin-1"))
    assert parse_punchout_order_message(latin).header.sender.identity == "Müller Bürobedarf"
    assert parse_punchout_order_message(b"\xef\xbb\xbf" + poom_xml(item_xml())).buyer_cookie == "c1"


# ------------------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (item_xml() + item_xml(quantity=None), "ItemIn 2 has no quantity"),
        (item_xml(quantity="two"), "the quantity of ItemIn 1 is not a number: 'two'"),
        (item_xml() + item_xml() + item_xml(price="12,50"), "the UnitPrice of ItemIn 3 is not a number: '12,50'"),
        (item_xml(price="NaN"), "the UnitPrice of ItemIn 1 is not a number: 'NaN'"),
        (item_xml(quantity="-1"), "ItemIn 1 has a negative quantity: '-1'"),
        (
            item_xml()
            .replace("<ItemDetail>", "<ItemDetail><!-- -->")
            .replace('<UnitPrice><Money currency="EUR">10.00</Money></UnitPrice>', ""),
            "ItemIn 1 has no UnitPrice",
        ),
        (item_xml().replace('currency="EUR"', ""), "the UnitPrice of ItemIn 1 has no currency"),
        (item_xml().replace("<ItemID><SupplierPartID>A-1</SupplierPartID></ItemID>", ""), "ItemIn 1 has no ItemID"),
    ],
)
def test_unreadable_lines_are_refused_naming_the_line(items: str, message: str):
    with pytest.raises(InvalidDocument) as caught:
        parse_punchout_order_message(poom_xml(items))
    assert caught.value.status_code == 400
    assert message in caught.value.message


def test_a_cart_without_buyer_cookie_is_refused():
    for cookie in ("", "<BuyerCookie>   </BuyerCookie>"):
        with pytest.raises(InvalidDocument, match="the PunchOutOrderMessage has no BuyerCookie"):
            parse_punchout_order_message(poom_xml(item_xml(), cookie=cookie))


def test_a_document_of_the_wrong_kind_is_406():
    with pytest.raises(UnexpectedDocument) as caught:
        parse_punchout_setup_request(sample("PunchOutOrderMessage__6-mils__edit_auxid_leadtime.xml"))
    assert caught.value.status_code == 406
    assert caught.value.message == "expected a PunchOutSetupRequest, got a PunchOutOrderMessage"
    with pytest.raises(NotAPunchoutDocument) as not_punchout:
        parse_punchout_order_message(sample("OrderRequest__cxml-php__1.2.050.xml"))
    assert not_punchout.value.status_code == 406
    assert not_punchout.value.document_type == "OrderRequest"


def test_an_unknown_setup_operation_is_not_implemented():
    data = sample("PunchOutSetupRequest__business-cxml__nodoctype.xml").replace(b'"create"', b'"source"')
    with pytest.raises(NotImplementedRequest) as caught:
        parse_punchout_setup_request(data)
    assert caught.value.status_code == 450


def test_a_document_that_is_not_cxml_is_400():
    with pytest.raises(MalformedDocument, match="not a cXML document: the root element is <html>"):
        parse_document(b"<html><body>Login</body></html>")
    with pytest.raises(InvalidDocument, match="no Header"):
        parse_document(b"<cXML payloadID='x' timestamp='t'><Request><ProfileRequest/></Request></cXML>")


def test_every_error_class_maps_to_its_status_code():
    assert [
        error("m").status_code
        for error in (
            MalformedDocument,
            InvalidDocument,
            SecretInBrowser,
            AuthenticationFailed,
            NotAPunchoutDocument,
            PreconditionFailed,
            NotImplementedRequest,
        )
    ] == [400, 400, 400, 401, 406, 412, 450]
    assert CXMLError(500, "boom").status_text == "Internal Server Error"


@pytest.mark.parametrize("status_code", [400, 401, 406, 412, 413, 450, 500])
def test_an_error_response_is_a_valid_cxml_response(status_code: int):
    # given a refusal
    error = CXMLError(status_code, "ItemIn 3 has no quantity & <no> price")

    # when answered, then the answer is valid cXML and reads back as the same Status
    answer = error_response(error)
    assert dtd_errors(answer) == []
    status = parse_response(answer).status
    assert (status.code, status.message) == (status_code, "ItemIn 3 has no quantity & <no> price")
    assert status.text == error.status_text


def test_a_supplier_refusal_to_our_setup_request_is_read_as_a_status():
    response = parse_punchout_setup_response(sample("PunchOutSetupResponse__6-mils__400_validation_error.xml"))
    assert response.start_page_url is None
    assert (response.status.code, response.status.ok) == (400, False)
    assert "failed validation" in response.status.message


def test_a_success_without_start_page_is_refused():
    with pytest.raises(InvalidDocument, match="no StartPage URL"):
        parse_punchout_setup_response(sample("Response__6-mils__order_200.xml"))


def test_document_type_recognises_every_kind():
    assert document_type(sample("Index__cxml-php__1.2.063.xml")) == "Index"
    assert document_type(sample("OrderRequest__officeluv__1.2.014.xml")) == "OrderRequest"
    assert document_type(sample("Response__6-mils__order_200.xml")) == "Response"
    assert document_type(sample("PunchOutSetupResponse__6-mils__200.xml")) == "PunchOutSetupResponse"


# ------------------------------------------------------------------------------------ authentication


def test_credential_matches_compares_domains_case_insensitively_and_secrets_exactly():
    expected = Credential(domain="NetworkID", identity="ERP-DEMO", shared_secret="demo-secret")
    assert credential_matches(
        Credential(domain="networkid", identity=" ERP-DEMO ", shared_secret="demo-secret"), expected
    )
    assert not credential_matches(Credential(domain="NetworkID", identity="ERP-DEMO", shared_secret="demo"), expected)
    assert not credential_matches(Credential(domain="NetworkID", identity="ERP-DEMO"), expected)
    assert not credential_matches(Credential(domain="DUNS", identity="ERP-DEMO", shared_secret="demo-secret"), expected)
    assert not credential_matches(
        Credential(domain="NetworkID", identity="erp-demo", shared_secret="demo-secret"), expected
    )
    assert credential_matches(Credential(domain="DUNS", identity="1"), Credential(domain="duns", identity="1"))


def test_a_credential_never_prints_its_secret():
    assert "s3cr3t" not in repr(HEADER)


# ------------------------------------------------------------------------------------------- builders


def test_a_built_cart_is_valid_and_has_the_envelope_cxml_requires():
    # given a cart of two lines
    message = cart(
        chair(), chair(supplier_part_id="6666", line_number=2, unit_price=Money(amount=Decimal("1E+2"), currency="USD"))
    )

    # when built
    data = build_punchout_order_message(message)

    # then it is valid cXML 1.2.069 with declaration, DOCTYPE, payloadID, offset timestamp, version and lang
    assert dtd_errors(data) == []
    lines = data.decode().splitlines()
    assert lines[0] == '<?xml version="1.0" encoding="UTF-8"?>'
    assert lines[1] == DOCTYPE
    root = re.search(r"<cXML [^>]*>", data.decode())
    assert root is not None
    assert re.search(r'payloadID="\d+\.\d+\.[0-9a-f]+@[^"]+"', root.group())
    assert re.search(r'timestamp="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"', root.group())
    assert f'version="{CXML_VERSION}"' in root.group() and 'xml:lang="en-US"' in root.group()
    assert '<Money currency="USD">100</Money>' in data.decode()  # no exponent
    # and it reads back line for line, the total being the sum of the lines
    parsed = parse_punchout_order_message(data)
    assert parsed.items == message.items
    assert parsed.total == Money(amount=Decimal("708.80"), currency="USD")  # 2 x 254.40 + 2 x 100


def test_a_built_cart_never_carries_a_shared_secret():
    data = build_punchout_order_message(cart(chair(), header=HEADER))
    assert b"SharedSecret" not in data and b"s3cr3t" not in data
    assert parse_punchout_order_message(data).header.sender.shared_secret is None


def test_payload_ids_are_unique():
    ids = {parse_response(build_response(Status(code=200, text="OK"))).payload_id for _ in range(500)}
    assert len(ids) == 500


def test_an_empty_cart_needs_an_explicit_total():
    with pytest.raises(ValueError, match="explicit total"):
        build_punchout_order_message(cart())
    data = build_punchout_order_message(
        cart(total=Money(amount=Decimal(0), currency="EUR"), status=Status(code=204, text="No Content"))
    )
    assert dtd_errors(data) == []
    assert parse_punchout_order_message(data).is_no_change


def test_control_characters_are_dropped_and_markup_is_escaped():
    item = chair(description='A\x0b<b>&"quoted"\'</b>\U0001f600')
    data = build_punchout_order_message(cart(item))
    assert dtd_errors(data) == []
    assert parse_punchout_order_message(data).items[0].description == 'A<b>&"quoted"\'</b>\U0001f600'


def test_an_edit_setup_request_with_item_out_is_valid_and_reads_back():
    # given an edit session for the two lines of a previous cart
    items = (
        as_item_out(chair()),
        as_item_out(chair(supplier_part_auxiliary_id="E2\\X", line_number=2)),
    )
    request = PunchOutSetupRequest(
        header=HEADER,
        buyer_cookie="c0ffee-edit-0001",
        operation="edit",
        browser_form_post_url="https://buyer.example/punchout/return/tok",
        extrinsics={"UserEmail": "alice@acme.example", "CostCenter": "FR-ENG"},
        contacts=(Contact(name="Alice", email="alice@acme.example", role="endUser"),),
        ship_to=Address(
            name="Acme France",
            address_id="FR-1",
            deliver_to=("Alice",),
            street=("1 rue de la Paix",),
            city="Paris",
            postal_code="75002",
            country="France",
            country_code="FR",
        ),
        items_out=items,
        deployment_mode="test",
    )

    # when built, then it validates and every field reads back
    data = build_punchout_setup_request(request)
    assert dtd_errors(data) == []
    parsed = parse_punchout_setup_request(data)
    assert replace(parsed, payload_id="", timestamp=None) == request
    assert parsed.header.sender.shared_secret == "s3cr3t"
    assert [item.supplier_part_auxiliary_id for item in parsed.items_out] == ["E000028901", "E2\\X"]


def test_setup_response_profile_and_status_builders_validate():
    start = build_punchout_setup_response("https://catalog.example/login?token=a&b=c")
    assert dtd_errors(start) == []
    assert parse_punchout_setup_response(start).start_page_url == "https://catalog.example/login?token=a&b=c"

    profile_request = build_profile_request(ProfileRequest(header=HEADER))
    assert dtd_errors(profile_request) == []
    assert parse_profile_request(profile_request).header.sender.identity == "ACME-BUYER"

    profile = ProfileResponse(
        transactions=(
            ProfileTransaction(request_name="PunchOutSetupRequest", url="https://p.example/punchout/cxml/setup/"),
            ProfileTransaction(
                request_name="ProfileRequest", url="https://p.example/cxml/", options={"operationAllowed": "create"}
            ),
        )
    )
    built = build_profile_response(profile)
    assert dtd_errors(built) == []
    assert parse_document(built).transactions == profile.transactions

    assert dtd_errors(build_response(Status(code=201, text="Accepted", message="queued"))) == []


def test_the_fixed_timestamp_and_payload_id_of_a_document_are_kept():
    moment = datetime(2025, 3, 4, 10, 15, 30, tzinfo=UTC)
    data = build_punchout_order_message(cart(chair(), payload_id="po-42.rev1@acme", timestamp=moment))
    parsed = parse_punchout_order_message(data)
    assert (parsed.payload_id, parsed.timestamp) == ("po-42.rev1@acme", moment)


# --------------------------------------------------------------------------------------- form fields


def poom_bytes() -> bytes:
    return sample("PunchOutOrderMessage__6-mils__edit_auxid_leadtime.xml")


def test_extract_cxml_from_form_prefers_base64_and_ignores_case():
    encoded = base64.b64encode(poom_bytes()).decode()
    fields = [("cXML-URLENCODED", "<not used/>"), ("CXML-Base64", encoded)]
    assert extract_cxml_from_form(fields) == poom_bytes()
    assert extract_cxml_from_form({"cxml-urlencoded": poom_bytes().decode()}) == poom_bytes()


def test_extract_cxml_from_form_repairs_sloppy_base64():
    encoded = base64.b64encode(poom_bytes()).decode()
    wrapped = "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)).replace("+", " ")
    assert extract_cxml_from_form({"cxml-base64": wrapped.rstrip("=")}) == poom_bytes()


def test_extract_cxml_from_form_undoes_double_encoding_and_fixes_the_declared_encoding():
    text = '<?xml version="1.0" encoding="ISO-8859-1"?><cXML payloadID="p" timestamp="t"/>'
    data = extract_cxml_from_form({"cxml-urlencoded": quote_plus(text)})
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_extract_cxml_from_form_refuses_what_it_cannot_read():
    with pytest.raises(MalformedDocument, match="no cxml-base64 or cxml-urlencoded"):
        extract_cxml_from_form({"NEW_ITEM-DESCRIPTION[1]": "x"})
    with pytest.raises(MalformedDocument, match="not valid base64"):
        extract_cxml_from_form({"cxml-base64": "!!!not base64!!!"})


# ------------------------------------------------------------------------------------------ contract


def test_the_protocol_packages_import_without_django():
    # given an interpreter in which importing django fails
    program = textwrap.dedent(
        """
        import sys

        class BlockDjango:
            def find_spec(self, name, path=None, target=None):
                if name == "django" or name.startswith("django."):
                    raise ImportError("django is blocked")
                return None

        sys.meta_path.insert(0, BlockDjango())
        import punchout.cxml, punchout.oci, punchout.xmlsafe
        assert not any(name == "django" or name.startswith("django.") for name in sys.modules)
        print("ok")
        """
    )
    # when the protocol packages are imported, then they load
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", program], cwd=REPOSITORY, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_protocol_source_mentions_django():
    sources = [REPOSITORY / "punchout" / "xmlsafe.py"]
    sources += sorted((REPOSITORY / "punchout" / "cxml").glob("*.py"))
    sources += sorted((REPOSITORY / "punchout" / "oci").glob("*.py"))
    for source in sources:
        assert not re.search(r"^\s*(from|import)\s+django", source.read_text(), re.MULTILINE), source
