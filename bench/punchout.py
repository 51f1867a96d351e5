"""Benchmark the punchout return of a 5,000-line cart (cXML PunchOutOrderMessage, base64 form post).

Prints, from one run of the script: the raw lxml parse of the same bytes (the floor), our parse (the cart's lines
as ItemRow tuples, as the return reads them, and as the PunchOutOrderMessage dataclasses), the whole return request
(form post → lines and the session's links stored), and the baseline in the same run: a raw lxml parse with Django
`bulk_create` of the same lines and links. Each: a warm-up, then ≥ 5 timed runs (min/median/p95), the queries of
one run, and the rows one return wrote per table.

The four parse readers (raw lxml, our cart, and the lines alone by the fast path and by the general reader) are
timed alike, interleaved round by round on the same bytes (`interleaved`): each run's result is built completely
(a tree; the cart with its rows) and freed inside its own timing, and so is what that free leaves glibc's malloc to
do (`settle`); the order turns by one each round; the garbage collector runs for all as in a request, and the
collections each reader caused are printed. Until 2026-12-04 the settling was not done: freeing the raw parse's
5,000-line tree left glibc's merging of its freed chunks to the next large allocation, our cart's, which paid 5 to
10 ms of it (seen as malloc_consolidate with perf), while the raw parse's timing held none of its own.

PostgreSQL (lines written with COPY): .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/punchout.py
SQLite (bulk_create): .venv/bin/python bench/punchout.py. Scale with BENCH_LINES (5000) and BENCH_RUNS (7);
BENCH_PARSE_ONLY=1 prints the parse figures only (the fast path for plain lines against the general reader).
"""

import base64
import gc
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import Timing, count_queries, django_setup, emit, measure, measure_prepared, ratio, summarize

django_setup()

from datetime import timedelta  # noqa: E402

import django.utils.timezone  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from lxml import etree  # noqa: E402

from procurement.models import Employee, LegalEntity, Supplier  # noqa: E402
from punchout import cxml  # noqa: E402
from punchout.cxml.cart_rows import read_item_rows  # noqa: E402
from punchout.cxml.envelope import parse_expected  # noqa: E402
from punchout.cxml.line_items import read_item_row  # noqa: E402
from punchout.models import PunchoutConnection, PunchoutSession  # noqa: E402
from punchout.tokens import token_hash  # noqa: E402
from punchout.xmlsafe import DEFAULT_MAX_BYTES  # noqa: E402
from requisitions.models import Requisition, RequisitionLine  # noqa: E402
from requisitions.services import requisition_create  # noqa: E402

LINES = int(os.environ.get("BENCH_LINES", 5000))
RUNS = int(os.environ.get("BENCH_RUNS", 7))
PARSE_ONLY = os.environ.get("BENCH_PARSE_ONLY") == "1"  # the parse figures only, without the return requests
COOKIE = "bench-cookie"


def order_message(lines: int) -> bytes:
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
            buyer_cookie=COOKIE,
            items=items,
        )
    )


_RAW_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def lines_general_reader(document: bytes) -> tuple[cxml.ItemRow, ...]:
    """The safe parse and the lines read by the general reader (`read_item_row`) on every ItemIn: the cart reader
    before its fast path for plain lines, measured in the same run as `lines_fast_path`."""
    _, body, _ = parse_expected(document, DEFAULT_MAX_BYTES, "PunchOutOrderMessage")
    return tuple(
        [read_item_row(element, position, "ItemIn") for position, element in enumerate(body.iterchildren("ItemIn"), 1)]
    )


def lines_fast_path(document: bytes) -> tuple[cxml.ItemRow, ...]:
    """The safe parse and the lines as the cart reader reads them (`read_item_rows`: plain lines read from the
    document's text, others from their elements)."""
    _, body, _ = parse_expected(document, DEFAULT_MAX_BYTES, "PunchOutOrderMessage")
    return read_item_rows(body, "ItemIn", document)


def settle() -> None:
    """What freeing a run's result leaves glibc's malloc to do, done now: one allocation of 64 KiB, which makes it
    merge the small chunks the free put aside (its fastbins, `malloc_consolidate`). glibc does this at the next
    allocation of that size or a free of a large chunk, whoever makes it; without this step the cost of freeing a
    5,000-line lxml tree (about 5 to 10 ms here) lands on the next reader of the round, not the one that built the
    tree. Cheap when nothing is pending."""
    bytearray(1 << 16)


def interleaved(
    runs_of: list[Callable[[], object]], *, runs: int
) -> tuple[list[Timing], list[Timing], list[dict[str, float]]]:
    """Each callable timed `runs` times after a warm-up, taking turns round by round: (wall-clock timings, CPU-time
    timings of this process, the garbage collections per run of each generation). On a shared machine the CPU time
    is the figure to compare: others' load stretches the wall clock of whichever run it falls on.

    Every reader is timed alike: its result is freed inside its timing (it is not kept) and so is what that free
    left the allocator to do (`settle`), so no reader pays for the one before it; the garbage collector runs as it
    does in a request; the order turns by one each round, so no reader always follows the same one."""
    for run in runs_of:
        run()
        settle()
    seconds: list[list[float]] = [[] for _ in runs_of]
    cpu_seconds: list[list[float]] = [[] for _ in runs_of]
    collections = [[0, 0, 0] for _ in runs_of]
    counting: list[int] = []  # the generations collected during the current run

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            counting.append(info["generation"])

    gc.callbacks.append(count)
    for round_number in range(runs):
        shift = round_number % len(runs_of)
        for index in [*range(shift, len(runs_of)), *range(shift)]:
            run = runs_of[index]
            counting.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            run()
            settle()
            seconds[index].append(time.perf_counter() - started)
            cpu_seconds[index].append(time.process_time() - cpu_started)
            for generation in counting:
                collections[index][generation] += 1
    gc.callbacks.remove(count)
    return (
        [summarize(values, warmup=1) for values in seconds],
        [summarize(values, warmup=1) for values in cpu_seconds],
        [
            {f"generation_{generation}": round(n / runs, 1) for generation, n in enumerate(counts)}
            for counts in collections
        ],
    )


def cpu_timed[T](prepare: Callable[[], T], run: Callable[[T], object], *, runs: int) -> Timing:
    """The CPU time of this process for `run(prepare())` (the database server's time is not in it), after a
    warm-up."""
    run(prepare())
    seconds = []
    for _ in range(runs):
        value = prepare()
        started = time.process_time()
        run(value)
        seconds.append(time.process_time() - started)
    return summarize(seconds, warmup=1)


def baseline(document: bytes, cart: Requisition, session: PunchoutSession) -> None:
    """The floor the issue measured against: a raw lxml parse, then Django's bulk_create of the same lines and the
    session's links (no checks, no prices, no taxes)."""
    root = etree.fromstring(document, _RAW_PARSER)
    lines = []
    for number, item in enumerate(root.iter("ItemIn"), 1):
        lines.append(
            RequisitionLine(
                requisition=cart,
                line_number=number,
                source=RequisitionLine.Source.PUNCHOUT,
                supplier_id=session.connection.supplier_id,
                supplier_part_id=item.findtext("ItemID/SupplierPartID"),
                supplier_part_auxiliary_id=item.findtext("ItemID/SupplierPartAuxiliaryID") or "",
                description=item.findtext("ItemDetail/Description"),
                quantity=Decimal(item.get("quantity")),
                unit=item.findtext("ItemDetail/UnitOfMeasure"),
                unit_price_minor=int(Decimal(item.findtext("ItemDetail/UnitPrice/Money")) * 100),
                currency="EUR",
                unspsc=item.findtext("ItemDetail/Classification") or "",
            )
        )
    with transaction.atomic():
        created = RequisitionLine.objects.bulk_create(lines, batch_size=500)
        through = PunchoutSession.lines.through
        through.objects.bulk_create(
            [through(punchoutsession_id=session.pk, requisitionline_id=line.pk) for line in created], batch_size=500
        )


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    alice = Employee.objects.select_related("user").get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    supplier = Supplier.objects.create(code="BENCHSHOP", name="Bench shop", currency="EUR")
    shop = PunchoutConnection.objects.create(supplier=supplier, url="http://127.0.0.1:9/", to_identity="shop")
    document = order_message(LINES)
    body = urlencode({"cxml-base64": base64.b64encode(document).decode()}).encode()
    client = Client()
    counter = iter(range(10**6))

    def fresh_session() -> tuple[str, Requisition, PunchoutSession]:
        """A new cart and an open session on it for each run (so every run writes into an empty cart)."""
        run = next(counter)
        token = f"bench-token-{run}"
        cart = requisition_create(by=alice, legal_entity=france, title=f"bench {run}")
        session = PunchoutSession.objects.create(
            connection=shop,
            employee=alice,
            requisition=cart,
            token_hash=token_hash(token),
            buyer_cookie=COOKIE,
            expires_at=django.utils.timezone.now() + timedelta(hours=1),
        )
        return token, cart, session

    def post(prepared: tuple[str, Requisition, PunchoutSession]) -> None:
        response = client.post(
            f"/punchout/return/{prepared[0]}/", body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 303, response.content[:300]

    assert lines_fast_path(document) == lines_general_reader(document)
    # The parses interleaved, one of each per round, so that the load of a shared machine falls on all alike.
    (raw, rows, fast, general), (raw_cpu, rows_cpu, fast_cpu, general_cpu), collected = interleaved(
        [
            lambda: etree.fromstring(document, _RAW_PARSER),
            lambda: cxml.parse_punchout_order_cart(document),
            lambda: lines_fast_path(document),
            lambda: lines_general_reader(document),
        ],
        runs=max(RUNS, 15),
    )
    parse = {
        "raw_lxml_parse": raw.as_dict(),
        "our_parse_rows": rows.as_dict(),
        "our_parse_rows_vs_raw_lxml": ratio(rows.median_ms, raw.median_ms, 2),
        "lines_fast_path": fast.as_dict(),
        "lines_fast_path_vs_raw_lxml": ratio(fast.median_ms, raw.median_ms, 2),
        "lines_general_reader": general.as_dict(),
        "lines_general_reader_vs_raw_lxml": ratio(general.median_ms, raw.median_ms, 2),
        "cpu": {
            "raw_lxml_parse": raw_cpu.as_dict(),
            "our_parse_rows": rows_cpu.as_dict(),
            "our_parse_rows_vs_raw_lxml": ratio(rows_cpu.median_ms, raw_cpu.median_ms, 2),
            "lines_fast_path_vs_raw_lxml": ratio(fast_cpu.median_ms, raw_cpu.median_ms, 2),
            "lines_general_reader_vs_raw_lxml": ratio(general_cpu.median_ms, raw_cpu.median_ms, 2),
        },
        "garbage_collections_per_run": dict(
            zip(("raw_lxml_parse", "our_parse_rows", "lines_fast_path", "lines_general_reader"), collected, strict=True)
        ),
    }
    if PARSE_ONLY:
        emit({"benchmark": "punchout return (parse only)", "lines": LINES, "document_bytes": len(document), **parse})
        return
    message = measure(lambda: cxml.parse_punchout_order_message(document), runs=RUNS, queries=False)
    request = measure_prepared(fresh_session, post, runs=RUNS)
    request_cpu = cpu_timed(fresh_session, post, runs=RUNS)
    base = measure_prepared(fresh_session, lambda prepared: baseline(document, prepared[1], prepared[2]), runs=RUNS)

    # The rows one return writes, and its queries at 10 lines against LINES lines.
    prepared = fresh_session()
    post(prepared)
    written = {
        RequisitionLine._meta.db_table: RequisitionLine.objects.filter(requisition=prepared[1]).count(),
        PunchoutSession.lines.through._meta.db_table: PunchoutSession.lines.through.objects.filter(
            punchoutsession=prepared[2]
        ).count(),
    }
    assert written[RequisitionLine._meta.db_table] == LINES, written
    small_body = urlencode({"cxml-base64": base64.b64encode(order_message(10)).decode()}).encode()
    small = fresh_session()
    _, small_queries = count_queries(
        lambda: client.post(
            f"/punchout/return/{small[0]}/", small_body, content_type="application/x-www-form-urlencoded"
        )
    )
    emit(
        {
            "benchmark": "punchout return",
            "database": connection.vendor,
            "lines": LINES,
            "document_bytes": len(document),
            "form_body_bytes": len(body),
            **parse,
            "our_parse_message_dataclasses": message.as_dict(),
            "our_parse_message_vs_raw_lxml": ratio(message.median_ms, raw.median_ms, 2),
            "return_request": request.as_dict(),
            "return_request_cpu_this_process": request_cpu.as_dict(),
            "return_request_queries_10_lines": small_queries,
            "baseline_lxml_parse_and_bulk_create": base.as_dict(),
            "return_request_vs_baseline": ratio(request.median_ms, base.median_ms, 2),
            "rows_written_per_return": written,
            "lines_stored_per_second": round(LINES / (request.median_ms / 1000)),
        }
    )


if __name__ == "__main__":
    main()
