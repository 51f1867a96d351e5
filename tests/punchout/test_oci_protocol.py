"""OCI behaviour beyond the corpus: numbers, encodings, units, the call-up and the NEW_ITEM form we send."""

import base64
import csv
import re
from decimal import Decimal
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlencode, urlsplit

import pytest

from punchout.cxml import extract_cxml_from_form
from punchout.oci import (
    FIELD_LENGTHS,
    OciError,
    OciItem,
    build_callup,
    build_new_item_fields,
    decode_form_body,
    decode_text,
    fields_from_html,
    map_unit,
    parse_new_item_form,
)
from punchout.oci.parse import _unquote_plus_to_bytes

from .support import OCI_SAMPLES

# --------------------------------------------------------------------------------------------- fields


def test_field_lengths_follow_the_compiled_table():
    # given the field table compiled from SAP, pcon-solutions/sap4tech, mathielen/sapoci and enthus sap-oci-5
    with (OCI_SAMPLES / "11_field_lengths_by_source.csv").open(encoding="utf-8") as table:
        rows = list(csv.DictReader(table))

    # then each length is the OCI 4/5 table's, else mathielen's, else the OCI 5 JSON one
    # (CUST_FIELD5: 50 as SAP documents it, not mathielen's 255)
    sources = ["OCI4/5_tables(pcon-solutions wiki; sap4tech)", "mathielen/sapoci_enforceLength(MIT)"]
    sources.append("enthus-golang/sap-oci-5_OCI5_JSON(Apache-2.0)")
    for row in rows:
        name = row["field"].removeprefix("NEW_ITEM-").removesuffix("[n]")
        if name.startswith("LONGTEXT"):
            continue
        lengths = [re.match(r"\s*(?:[A-Z_\[\].]+ )?(\d+)", row[source]) for source in sources]
        expected = next(int(match.group(1)) for match in lengths if match)
        if name == "CUST_FIELD5":
            expected = 50
        assert FIELD_LENGTHS[name] == expected, name
    assert {row["field"].removeprefix("NEW_ITEM-").removesuffix("[n]") for row in rows} - set(FIELD_LENGTHS) == {
        "LONGTEXT_n:132[]"
    }


# -------------------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1730.900", Decimal("1730.9")),
        ("00000001730.900", Decimal("1730.9")),
        (" 12 ", Decimal(12)),
        ("780,12", Decimal("780.12")),
        ("0,5", Decimal("0.5")),
        (".5", Decimal("0.5")),
        ("", None),
    ],
)
def test_prices_are_read_as_decimals(raw: str, expected: Decimal | None):
    [item] = parse_new_item_form({"NEW_ITEM-DESCRIPTION[1]": "x", "NEW_ITEM-PRICE[1]": raw})
    assert item.price == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1,000", "ambiguous"),
        ("1.234,56", "ambiguous"),
        ("1,234.56", "ambiguous"),
        ("12 EUR", "not a number"),
        ("NaN", "not a number"),
        ("1e5", "not a number"),
        ("-3", "negative"),
    ],
)
def test_malformed_numbers_name_the_item_and_field(raw: str, message: str):
    fields = [("NEW_ITEM-DESCRIPTION[1]", "ok"), ("NEW_ITEM-DESCRIPTION[3]", "bad"), ("NEW_ITEM-QUANTITY[3]", raw)]
    with pytest.raises(OciError) as caught:
        parse_new_item_form(fields)
    assert (caught.value.index, caught.value.field) == (3, "QUANTITY")
    assert str(caught.value).startswith("OCI item 3: QUANTITY")
    assert message in str(caught.value)


def test_a_zero_price_unit_is_refused():
    with pytest.raises(OciError, match="PRICEUNIT is zero"):
        parse_new_item_form({"NEW_ITEM-PRICE[1]": "1", "NEW_ITEM-PRICEUNIT[1]": "0"})


def test_fields_without_an_index_are_refused():
    with pytest.raises(OciError, match="no item index"):
        parse_new_item_form({"NEW_ITEM-DESCRIPTION": "x"})
    with pytest.raises(OciError, match="which item"):
        parse_new_item_form({"NEW_ITEM-LONGTEXT": "x"})


def test_field_names_are_read_case_insensitively_and_a_repeated_field_keeps_its_first_value():
    [item] = parse_new_item_form([("new_item-description[1]", "first"), ("NEW_ITEM-DESCRIPTION[1]", "second")])
    assert item.description == "first"


def test_the_empty_form_is_an_empty_cart():
    assert parse_new_item_form({}) == []
    assert parse_new_item_form([("~OkCode", "ADDI")]) == []


# ------------------------------------------------------------------------------------------ encodings


def test_a_form_body_in_utf8_is_read_with_plus_as_space():
    body = "NEW_ITEM-DESCRIPTION%5B1%5D=Gr%C3%B6%C3%9Fe+M&NEW_ITEM-LONGTEXT_1%3A132%5B%5D=a%26b".encode("ascii")
    assert decode_form_body(body) == [("NEW_ITEM-DESCRIPTION[1]", "Größe M"), ("NEW_ITEM-LONGTEXT_1:132[]", "a&b")]


def test_a_form_body_falls_back_to_iso_8859_1_when_it_is_not_utf8():
    body = b"NEW_ITEM-DESCRIPTION%5B1%5D=Gr%F6%DFe"
    assert decode_form_body(body) == [("NEW_ITEM-DESCRIPTION[1]", "Größe")]
    assert decode_form_body(body, "utf-8") == [("NEW_ITEM-DESCRIPTION[1]", "Größe")]
    assert decode_form_body(body, "iso-8859-1") == [("NEW_ITEM-DESCRIPTION[1]", "Größe")]
    # an unknown charset name falls back too
    assert decode_form_body(body, "x-no-such-charset") == [("NEW_ITEM-DESCRIPTION[1]", "Größe")]


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"abc",
        b"PD94bWwg%2Bdm%2FZXJ%3D",  # base64 escapes in capitals, as browsers send them
        b"PD94bWwg%2bdm%2fZXJ%3d",  # in lower case
        b"PD94%2Bbm%2fZXJ%3D%3d",  # both
        b"a+b%2Bc",  # "+" is a space, "%2B" a plus
        b"%2B%2B%2F%3D",
        b"%252B",  # an escaped percent sign before "2B": one "%2B", not a plus
        b"%%2B",
        b"%2",  # an escape cut short
        b"abc%",
        b"%G0%2B",  # not hexadecimal
        b"%2B%20",  # an escape that is not base64's
        b"%C3%B6%2B",
        b"%2B" * 5000 + b"%3A",  # a long value with one other escape at the end
        bytes(range(32, 127)).replace(b"%", b""),
    ],
)
def test_a_form_value_decodes_as_unquote_to_bytes_does(value):
    # given any value, with or without only the escapes of base64 (which have a fast path)
    # then it decodes to the bytes the general decoder gives
    assert _unquote_plus_to_bytes(value) == unquote_to_bytes(value.replace(b"+", b" "))


def test_a_base64_form_field_decodes_to_its_document():
    # given a cXML document posted base64 in a form, as a browser encodes it
    document = bytes(range(256)) * 40
    body = urlencode({"cxml-base64": base64.b64encode(document).decode()}).encode()
    assert b"%2B" in body and b"%2F" in body and b"%3D" in body

    # then the field and the document are read back exactly
    assert extract_cxml_from_form(decode_form_body(body)) == document
    # line breaks and tabs in the value (some encoders wrap base64) are removed, in lower-case escapes too
    wrapped = base64.encodebytes(document).replace(b"\n", b"\r\n\t")
    lower = urlencode({"cxml-base64": wrapped.decode()}).encode().replace(b"%2B", b"%2b").replace(b"%2F", b"%2f")
    assert extract_cxml_from_form(decode_form_body(lower)) == document


def test_decode_text_honours_the_charset_and_falls_back():
    assert decode_text("Größe".encode("cp1252"), "cp1252") == "Größe"
    assert decode_text("Größe".encode()) == "Größe"
    assert decode_text("Größe".encode("latin-1")) == "Größe"


def test_fields_from_html_posts_what_a_browser_would():
    page = """<html><body><form method="post">
        <input type="hidden" name="NEW_ITEM-DESCRIPTION[1]" value="Stift &amp; Block">
        <input type="submit" name="go" value="Send">
        <input type="checkbox" name="unchecked" value="1">
        <input type="checkbox" name="checked" value="1" checked>
        <textarea name="NEW_ITEM-LONGTEXT_1:132[]">Zeile</textarea>
        <input type="text" name="NEW_ITEM-QUANTITY[1]" value="2">
    </form></body></html>""".encode("latin-1")
    assert fields_from_html(page) == [
        ("NEW_ITEM-DESCRIPTION[1]", "Stift & Block"),
        ("checked", "1"),
        ("NEW_ITEM-LONGTEXT_1:132[]", "Zeile"),
        ("NEW_ITEM-QUANTITY[1]", "2"),
    ]
    assert fields_from_html(b"") == []


# ---------------------------------------------------------------------------------------------- units


def test_sap_units_map_to_un_cefact():
    assert [map_unit(code) for code in ("ST", "st ", "PCE", "KAR", "PAK", "H", "KG", "C62", "XYZ")] == [
        "EA",
        "EA",
        "EA",
        "CT",
        "PK",
        "HUR",
        "KGM",
        "C62",
        "XYZ",
    ]
    assert map_unit("ST", {"st": "C62"}) == "C62"  # a supplier's own table wins


# ------------------------------------------------------------------------------------------- call-up


def callup_section(letter: str) -> list[str]:
    text = (OCI_SAMPLES / "13_synthetic_outbound_callups.txt").read_text(encoding="utf-8")
    section = re.search(rf"^## {letter}\..*?$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert section is not None
    return [line.strip() for line in section.group(1).strip().splitlines() if line.strip()]


def test_the_standard_post_callup_has_the_shape_of_an_sap_buyer():
    # given section A of the call-up samples: what an SAP SRM/S4 buyer posts
    lines = callup_section("A")
    method, url = lines[0].split(" ", 1)
    sample: list[tuple[str, str]] = [(name, value) for name, value in (line.split("=", 1) for line in lines[1:])]
    hook_url = unquote(dict(sample)["HOOK_URL"])

    # when we build the same call-up
    callup = build_callup(
        url,
        method,
        {"USERNAME": "acme-buyer-01", "PASSWORD": "s3cret"},
        {"OPI_VERSION": "1.0", "http_content_charset": "utf-8", "sap-language": "EN"},
        hook_url,
    )

    # then it posts the same fields with the same values
    assert (callup.method, callup.url) == ("POST", url)
    assert sorted(callup.fields) == sorted((name, unquote(value)) for name, value in sample)


def test_a_get_callup_carries_everything_in_the_url_and_keeps_the_hook_urls_own_query():
    # given a HOOK_URL with its own query string (section C)
    [line] = callup_section("C")
    hook_url = unquote(line.split("=", 1)[1])

    # when built for GET on a catalog URL that has a query of its own
    callup = build_callup("https://cat.example/oci?client=100", "get", {"USERNAME": "u"}, {}, hook_url)

    # then the URL carries the catalog's query, the OCI fields, and the HOOK_URL encoded whole
    assert callup.method == "GET"
    assert line in callup.url
    query = dict(parse_qsl(urlsplit(callup.url).query))
    assert query["client"] == "100"
    assert query["HOOK_URL"] == "https://buy.example-buyer.test/oci/return?uniqueid=7f3c0c9e&tenant=acme"
    assert (query["~OkCode"], query["~TARGET"], query["~CALLER"], query["returntarget"]) == (
        "ADDI",
        "_top",
        "CTLG",
        "_top",
    )
    assert callup.fields[0] == ("client", "100")


def test_extra_params_override_the_defaults():
    callup = build_callup("https://c.example/", "POST", {}, {"OCI_VERSION": "5.0", "~target": "_blank"}, "https://h/")
    names = [name for name, _ in callup.fields]
    assert dict(callup.fields)["OCI_VERSION"] == "5.0"
    assert names.count("OCI_VERSION") == 1 and "~TARGET" not in names


def test_oci_functions_and_their_parameters():
    detail = build_callup("https://c.example/", "POST", {}, {}, "https://h.example/", "detail", product_id="SKU-1")
    assert detail.fields[-2:] == [("FUNCTION", "DETAIL"), ("PRODUCTID", "SKU-1")]
    validate = build_callup(
        "https://c.example/", "POST", {}, {}, "https://h.example/", "VALIDATE", product_id="S", quantity=Decimal(100)
    )
    assert validate.fields[-1] == ("QUANTITY", "100")
    search = build_callup(
        "https://c.example/", "POST", {}, {}, "https://h.example/", "BACKGROUND_SEARCH", search_string="toner"
    )
    assert search.fields[-1] == ("SEARCHSTRING", "toner")
    for function, message in (("DETAIL", "product id"), ("VALIDATE", "product id"), ("SOURCING", "search string")):
        with pytest.raises(OciError, match=message):
            build_callup("https://c.example/", "POST", {}, {}, "https://h.example/", function)
    with pytest.raises(OciError, match="unknown OCI FUNCTION"):
        build_callup("https://c.example/", "POST", {}, {}, "https://h.example/", "DELETE")


def test_a_bad_method_or_hook_url_is_refused():
    with pytest.raises(OciError, match="GET or POST"):
        build_callup("https://c.example/", "PUT", {}, {}, "https://h.example/")
    with pytest.raises(OciError, match="HOOK_URL must be an absolute"):
        build_callup("https://c.example/", "POST", {}, {}, "javascript:alert(1)")


# -------------------------------------------------------------------------------- NEW_ITEM we send


def test_the_new_item_form_we_send_respects_oci_lengths():
    # given an item with a 150-character description and a price per 1000
    description = "Schraube M4x10 DIN 912 A2 " * 6  # 156 characters
    item = OciItem(
        index=7,
        description=description.strip(),
        quantity=Decimal("4000.000"),
        unit="C62",
        price=Decimal("12.50"),
        price_unit=Decimal(1000),
        currency="EUR",
        lead_time=3,
        vendor_material="SCR-M4-10",
        service=True,
        extra={"GTIN": "4006381333931"},
    )

    # when written
    fields = build_new_item_fields([item])

    # then indices start at 1, DESCRIPTION is cut to 40 and the full text follows in 132-character lines
    values = dict(fields)
    assert values["NEW_ITEM-DESCRIPTION[1]"] == description[:40]
    longtext = [value for name, value in fields if name == "NEW_ITEM-LONGTEXT_1:132[]"]
    assert [len(line) for line in longtext] == [132, len(description.strip()) - 132]
    assert "".join(longtext) == description.strip()
    assert (values["NEW_ITEM-PRICE[1]"], values["NEW_ITEM-PRICEUNIT[1]"]) == ("12.50", "1000")
    assert values["NEW_ITEM-QUANTITY[1]"] == "4000.000"
    assert (values["NEW_ITEM-UNIT[1]"], values["NEW_ITEM-SERVICE[1]"], values["NEW_ITEM-GTIN[1]"]) == (
        "C62",
        "X",
        "4006381333931",
    )
    assert all(
        len(value) <= FIELD_LENGTHS[re.sub(r"NEW_ITEM-(.*)\[1\]", r"\1", name)]
        for name, value in fields
        if "[1]" in name and "GTIN" not in name
    )

    # and it reads back as the same price per unit
    [back] = parse_new_item_form(fields)
    assert back.unit_price == Decimal("0.0125")
    assert back.long_text == description.strip()


def test_a_price_with_more_than_three_decimals_is_quoted_per_more_units():
    [*_, price, price_unit, _currency] = build_new_item_fields(
        [OciItem(index=1, description="Clip", quantity=Decimal(1), price=Decimal("0.0125"), currency="EUR")]
    )
    assert (price[1], price_unit[1]) == ("0.125", "10")


def test_values_that_do_not_fit_are_refused_not_corrupted():
    with pytest.raises(OciError) as caught:
        build_new_item_fields([OciItem(index=1), OciItem(index=2, vendor_material="X" * 41)])
    assert (caught.value.index, caught.value.field) == (2, "VENDORMAT")
    with pytest.raises(OciError, match="more than 3 decimals"):
        build_new_item_fields([OciItem(index=1, quantity=Decimal("1.2345"))])
    with pytest.raises(OciError, match="non-negative"):
        build_new_item_fields([OciItem(index=1, quantity=Decimal(-1))])
