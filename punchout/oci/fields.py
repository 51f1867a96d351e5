"""SAP OCI 4.0/5.0 item fields (`NEW_ITEM-<FIELD>[n]`) and their maximum lengths in characters.

Lengths follow the OCI 4/5 field tables (pcon-solutions wiki, sap4tech), falling back to mathielen/sapoci
where those tables only list a field, then to the OCI 5 JSON definitions (enthus sap-oci-5); see
`tests/fixtures/oci/samples/11_field_lengths_by_source.csv`. CUST_FIELD5 is 50, as the SAP
documentation says, not the 255 one library allows. Numbers are written with a decimal point: QUANTITY
and PRICE have at most 11 integer digits and 3 decimals.
"""

from __future__ import annotations

__all__ = [
    "FIELD_LENGTHS",
    "LONGTEXT_LINE_LENGTH",
    "NUMBER_DECIMALS",
    "NUMERIC_FIELDS",
    "STANDARD_FIELDS",
]

FIELD_LENGTHS: dict[str, int] = {
    "DESCRIPTION": 40,
    "MATNR": 40,
    "MATGROUP": 10,
    "QUANTITY": 15,
    "UNIT": 3,
    "PRICE": 15,
    "CURRENCY": 5,
    "PRICEUNIT": 5,
    "LEADTIME": 5,
    "VENDOR": 10,
    "VENDORMAT": 40,
    "MANUFACTCODE": 10,
    "MANUFACTMAT": 40,
    "SERVICE": 1,
    "CONTRACT": 10,
    "CONTRACT_ITEM": 5,
    "EXT_QUOTE_ID": 35,
    "EXT_QUOTE_ITEM": 10,
    "EXT_PRODUCT_ID": 40,
    "ATTACHMENT": 255,
    "ATTACHMENT_TITLE": 255,
    "ATTACHMENT_PURPOSE": 1,
    "EXT_SCHEMA_TYPE": 10,
    "EXT_CATEGORY_ID": 60,
    "EXT_CATEGORY": 40,
    "SLD_SYS_NAME": 60,
    "CUST_FIELD1": 10,
    "CUST_FIELD2": 10,
    "CUST_FIELD3": 10,
    "CUST_FIELD4": 20,
    "CUST_FIELD5": 50,
    "ITEM_TYPE": 1,
    "PARENT_ID": 255,
    "TAX": 5,
}

# NEW_ITEM-LONGTEXT_<n>:132[] carries any length, in lines of 132 characters (SAPscript TDLINE).
LONGTEXT_LINE_LENGTH = 132

NUMERIC_FIELDS = frozenset({"QUANTITY", "PRICE", "PRICEUNIT"})
NUMBER_DECIMALS = 3

STANDARD_FIELDS = frozenset(FIELD_LENGTHS)
