"""Benchmark: parsing a 5,000-line PunchOutOrderMessage, against lxml parsing the same bytes.

Our parser reads every field of every line into frozen dataclasses; the baseline only builds the tree.
Also times the OCI NEW_ITEM form of 5,000 lines. Prints one JSON object (best of several runs).
"""

import json
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree

from punchout.cxml import (
    Classification,
    Credential,
    Header,
    ItemIn,
    Money,
    PunchOutOrderMessage,
    build_punchout_order_message,
    parse_punchout_order_message,
)
from punchout.oci import OciItem, build_new_item_fields, parse_new_item_form

LINES = 5_000
RUNS = 7


def best_of(function: Callable[[], object], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def cart() -> PunchOutOrderMessage:
    items = tuple(
        ItemIn(
            quantity=Decimal(1 + number % 7),
            supplier_part_id=f"SKU-{number:06d}",
            supplier_part_auxiliary_id=f"AUX{number}",
            unit_price=Money(amount=Decimal(number % 997) + Decimal("0.99"), currency="EUR"),
            unit_of_measure="EA",
            description=f"Ergonomic office chair model {number} with padded arms & lumbar support",
            short_name=f"Chair {number}",
            classifications=(Classification(domain="UNSPSC", value="5636030000"),),
            manufacturer_part_id=f"MPN-{number}",
            manufacturer_name="Workchairs Inc.",
            lead_time=5,
            extrinsics={"Colour": "black"},
            line_number=number,
        )
        for number in range(1, LINES + 1)
    )
    header = Header(
        from_=Credential(domain="DUNS", identity="83528721"),
        to=Credential(domain="DUNS", identity="65652314"),
        sender=Credential(domain="workchairs.com", identity="website 1"),
    )
    return PunchOutOrderMessage(header=header, buyer_cookie="c0ffee", items=items)


def main() -> None:
    data = build_punchout_order_message(cart())
    parsed = parse_punchout_order_message(data)
    assert len(parsed.items) == LINES

    raw = best_of(lambda: etree.fromstring(data))
    ours = best_of(lambda: parse_punchout_order_message(data))

    oci_fields = build_new_item_fields(
        [
            OciItem(
                index=number,
                description=f"Screw M4x{number % 90 + 10} DIN 912",
                quantity=Decimal(100),
                unit="EA",
                price=Decimal("12.50"),
                price_unit=Decimal(1000),
                currency="EUR",
                vendor_material=f"SCR-{number}",
                long_text="Stainless steel A2, hexagon socket head cap screw. " * 3,
            )
            for number in range(1, LINES + 1)
        ]
    )
    oci = best_of(lambda: parse_new_item_form(oci_fields))

    print(
        json.dumps(
            {
                "benchmark": "punchout_parse",
                "lines": LINES,
                "document_bytes": len(data),
                "lxml_fromstring_seconds": round(raw, 4),
                "parse_punchout_order_message_seconds": round(ours, 4),
                "ratio": round(ours / raw, 2),
                "lines_per_second": round(LINES / ours),
                "oci_fields": len(oci_fields),
                "parse_new_item_form_seconds": round(oci, 4),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
