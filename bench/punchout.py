"""Benchmark the punchout return of a 5,000-line cart: the raw lxml parse of the same bytes (the floor),
our PunchOutOrderMessage parse, and the whole return request (base64 form post → lines stored).

Meant for PostgreSQL: .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/punchout.py
Scale with BENCH_LINES (5000). Prints one JSON object.
"""

import atexit
import base64
import json
import os
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
workdir = tempfile.mkdtemp(prefix="bench-")
atexit.register(shutil.rmtree, workdir, ignore_errors=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings.test")

import django  # noqa: E402
import django.utils.timezone  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from lxml import etree  # noqa: E402

from procurement.models import Employee, LegalEntity, Supplier  # noqa: E402
from punchout import cxml  # noqa: E402
from punchout.models import PunchoutConnection, PunchoutSession  # noqa: E402
from punchout.tokens import token_hash  # noqa: E402
from requisitions.services import requisition_create  # noqa: E402

LINES = int(os.environ.get("BENCH_LINES", 5000))


def order_message(lines: int, cookie: str) -> bytes:
    credential = cxml.Credential(domain="DUNS", identity="shop")
    items = tuple(
        cxml.ItemIn(
            quantity=Decimal(n % 7 + 1),
            supplier_part_id=f"PART-{n:05d}",
            supplier_part_auxiliary_id=f"AUX-{n}",
            unit_price=cxml.Money(amount=Decimal(n % 500) + Decimal("0.99"), currency="EUR"),
            unit_of_measure="EA",
            description=f"Item {n} — stainless fastener, pack of {n % 50 + 1}",
            classifications=(cxml.Classification(domain="UNSPSC", value="31161500"),),
            line_number=n + 1,
        )
        for n in range(lines)
    )
    return cxml.build_punchout_order_message(
        cxml.PunchOutOrderMessage(
            header=cxml.Header(from_=credential, to=credential, sender=credential, user_agent="bench"),
            buyer_cookie=cookie,
            items=items,
        )
    )


def best_of(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    alice = Employee.objects.select_related("user").get(user__username="alice")
    supplier = Supplier.objects.create(code="BENCHSHOP", name="Bench shop", currency="EUR")
    shop = PunchoutConnection.objects.create(supplier=supplier, url="http://127.0.0.1:9/", to_identity="shop")
    cookie = "bench-cookie"
    document = order_message(LINES, cookie)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    raw = best_of(5, lambda: etree.fromstring(document, parser))
    ours = best_of(5, lambda: cxml.parse_punchout_order_message(document))

    body = urlencode({"cxml-base64": base64.b64encode(document).decode()}).encode()
    client = Client()
    cart = requisition_create(by=alice, legal_entity=LegalEntity.objects.get(code="ACME-FR"), title="bench")
    requests = []
    for run in range(3):
        token = f"bench-token-{run}"
        PunchoutSession.objects.create(
            connection=shop,
            employee=alice,
            requisition=cart,
            token_hash=token_hash(token),
            buyer_cookie=cookie,
            expires_at=django.utils.timezone.now() + django.utils.timezone.timedelta(hours=1),
        )
        start = time.perf_counter()
        response = client.post(f"/punchout/return/{token}/", body, content_type="application/x-www-form-urlencoded")
        requests.append(time.perf_counter() - start)
        assert response.status_code == 303, response.content[:300]
    stored = cart.lines.count()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "lines": LINES,
                "document_bytes": len(document),
                "form_body_bytes": len(body),
                "raw_lxml_parse_ms": round(raw * 1000, 1),
                "our_parse_ms": round(ours * 1000, 1),
                "our_parse_vs_raw_lxml": round(ours / raw, 2),
                "full_return_request_ms": round(min(requests) * 1000, 1),
                "full_return_vs_our_parse": round(min(requests) / ours, 1),
                "lines_stored_per_second": round(LINES / min(requests)),
                "lines_in_cart_after_3_returns": stored,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
