"""A returned punchout cart is written in one go: COPY on PostgreSQL, bulk_create elsewhere. The rows are exactly
the ones Django's bulk_create writes, and the return costs the same queries at 10 lines as at 1,000."""

import base64
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement.bulk import bulk_insert_id_pairs, bulk_insert_objects, bulk_insert_rows
from procurement.models import Employee
from punchout import cxml
from punchout.models import PunchoutConnection, PunchoutSession
from punchout.tokens import token_hash
from requisitions.models import Requisition, RequisitionLine
from requisitions.services import requisition_create

pytestmark = pytest.mark.usefixtures("organisation")

COOKIE = "bulk-cookie"


def alice() -> Employee:
    return Employee.objects.select_related("user").get(user__username="alice")


@pytest.fixture
def cart(organisation) -> Requisition:
    return requisition_create(by=alice(), legal_entity=organisation.france, title="Bulk")


@pytest.fixture
def shop(shop_supplier) -> PunchoutConnection:
    return PunchoutConnection.objects.create(supplier=shop_supplier, url="http://127.0.0.1:9/", to_identity="shop")


def open_session(shop: PunchoutConnection, cart: Requisition, token: str) -> PunchoutSession:
    return PunchoutSession.objects.create(
        connection=shop,
        employee=alice(),
        requisition=cart,
        token_hash=token_hash(token),
        buyer_cookie=COOKIE,
        expires_at=timezone.now() + timedelta(hours=1),
    )


def order_message(lines: int) -> bytes:
    credential = cxml.Credential(domain="DUNS", identity="shop")
    items = tuple(
        cxml.ItemIn(
            quantity=Decimal(n % 7 + 1) + Decimal("0.250"),
            supplier_part_id=f"PART-{n:05d}",
            supplier_part_auxiliary_id=f"AUX-{n}",
            unit_price=cxml.Money(amount=Decimal(n % 500) + Decimal("0.99"), currency="EUR"),
            unit_of_measure="EA",
            description=f"Item {n} — écrou inox, pack of {n % 50 + 1}",
            classifications=(cxml.Classification(domain="UNSPSC", value="31161500"),),
            manufacturer_name="Würth",
            manufacturer_part_id=f"W-{n}",
            lead_time=3,
            extrinsics={"Colour": "grey"} if n == 0 else {},
            line_number=n + 1,
        )
        for n in range(lines)
    )
    credential = cxml.Credential(domain="DUNS", identity="shop")
    return cxml.build_punchout_order_message(
        cxml.PunchOutOrderMessage(
            header=cxml.Header(from_=credential, to=credential, sender=credential), buyer_cookie=COOKIE, items=items
        )
    )


def post_return(token: str, document: bytes):
    body = urlencode({"cxml-base64": base64.b64encode(document).decode()})
    return Client().post(f"/punchout/return/{token}/", body, content_type="application/x-www-form-urlencoded")


def as_row(line: RequisitionLine) -> dict:
    row = model_to_dict(line, exclude=["id", "created_at"])
    row["requisition"] = line.requisition_id
    return row


def test_a_return_writes_exact_lines_and_the_sessions_links(cart, shop, shop_supplier):
    session = open_session(shop, cart, "t-exact")
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        response = post_return("t-exact", order_message(3))
    assert response.status_code == 303, response.content[:300]
    copied = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("COPY ")]
    made = [query["sql"] for query in queries.captured_queries if "generate_series(run.first_id" in query["sql"]]
    # PostgreSQL: the lines in one COPY, the session's links made by the database from the lines' ids in one
    # INSERT … SELECT; elsewhere bulk_create.
    assert (len(copied), len(made)) == ((1, 1) if connection.vendor == "postgresql" else (0, 0))
    lines = list(cart.lines.order_by("line_number"))
    assert [as_row(line) for line in lines[:2]] == [
        {
            "requisition": cart.pk,
            "line_number": 1,
            "source": "punchout",
            "catalog_item": None,
            "supplier": shop_supplier.pk,
            "contract": None,
            "supplier_part_id": "PART-00000",
            "supplier_part_auxiliary_id": "AUX-0",
            "description": "Item 0 — écrou inox, pack of 1",
            "quantity": Decimal("1.250"),
            "unit": "EA",
            "unit_price_minor": 99,
            "currency": "EUR",
            "price_basis_quantity": Decimal("1.000"),
            "total_minor": 124,
            "tax_code": "",
            "tax_category": "",
            "tax_rate": None,
            "tax_minor": 0,
            "unspsc": "31161500",
            "lead_time_days": 3,
            "manufacturer": "Würth",
            "manufacturer_part_id": "W-0",
            "cost_centre": alice().default_cost_centre_id,
            "gl_account": "",
            "project": "",
            "supplier_note": "",
            "extrinsics": {"Colour": "grey"},
        },
        {
            "requisition": cart.pk,
            "line_number": 2,
            "source": "punchout",
            "catalog_item": None,
            "supplier": shop_supplier.pk,
            "contract": None,
            "supplier_part_id": "PART-00001",
            "supplier_part_auxiliary_id": "AUX-1",
            "description": "Item 1 — écrou inox, pack of 2",
            "quantity": Decimal("2.250"),
            "unit": "EA",
            "unit_price_minor": 199,
            "currency": "EUR",
            "price_basis_quantity": Decimal("1.000"),
            "total_minor": 448,
            "tax_code": "",
            "tax_category": "",
            "tax_rate": None,
            "tax_minor": 0,
            "unspsc": "31161500",
            "lead_time_days": 3,
            "manufacturer": "Würth",
            "manufacturer_part_id": "W-1",
            "cost_centre": alice().default_cost_centre_id,
            "gl_account": "",
            "project": "",
            "supplier_note": "",
            "extrinsics": {},
        },
    ]
    # (The test entity has no tax codes: no tax is known; tests/requisitions/test_cart_taxes.py has the rates.)
    assert all(before <= line.created_at <= timezone.now() for line in lines)
    assert len(lines) == 3
    session.refresh_from_db()
    assert session.status == PunchoutSession.Status.RETURNED
    assert sorted(session.lines.values_list("pk", flat=True)) == [line.pk for line in lines]
    cart.refresh_from_db()
    assert (cart.line_count, cart.total_minor) == (3, 124 + 448 + 972)  # 3.25 × 2.99 = 9.7175


def _line(cart: Requisition, number: int, **changes) -> RequisitionLine:
    values = {
        "requisition": cart,
        "line_number": number,
        "source": RequisitionLine.Source.PUNCHOUT,
        "supplier_part_id": "P-1",
        "description": "Bolt M8 — ß",
        "quantity": Decimal("2.5"),
        "unit": "EA",
        "unit_price_minor": 1250,
        "currency": "EUR",
        "price_basis_quantity": Decimal("100"),
        "total_minor": 31,
        "tax_rate": Decimal("5.5"),
        "extrinsics": {"a": ["b", 1], "ünï": "cödé"},
    }
    return RequisitionLine(**(values | changes))


def test_the_bulk_writer_writes_the_rows_bulk_create_writes_field_by_field(cart):
    """Old way (Django's bulk_create) against new way (COPY on PostgreSQL), for instances and for rows."""
    RequisitionLine.objects.bulk_create([_line(cart, 1), _line(cart, 2, tax_rate=None, lead_time_days=0)])
    new = bulk_insert_objects([_line(cart, 3), _line(cart, 4, tax_rate=None, lead_time_days=0)])
    fields = ["requisition_id", "line_number", "source", "supplier_part_id", "description", "quantity", "unit"]
    fields += ["unit_price_minor", "currency", "price_basis_quantity", "total_minor", "tax_rate", "extrinsics"]
    fields += ["lead_time_days"]
    [row_id] = bulk_insert_rows(
        RequisitionLine,
        fields,
        [
            [
                *(cart.pk, 5, "punchout", "P-1", "Bolt M8 — ß", Decimal("2.5"), "EA", 1250, "EUR", Decimal("100")),
                *(31, Decimal("5.5"), {"a": ["b", 1], "ünï": "cödé"}, None),
            ]
        ],
    )
    assert [line.pk for line in new] == sorted(line.pk for line in new)
    assert all(line.created_at is not None and not line._state.adding for line in new)
    stored = {line.line_number: line for line in RequisitionLine.objects.filter(requisition=cart)}
    assert stored[5].pk == row_id
    for old_number, new_number in ((1, 3), (2, 4), (1, 5)):
        old_row, new_row = as_row(stored[old_number]), as_row(stored[new_number])
        old_row.pop("line_number"), new_row.pop("line_number")
        assert new_row == old_row
    assert {field.attname for field in RequisitionLine._meta.concrete_fields} - set(as_row(stored[1])) == {
        "id",
        "created_at",
        "requisition_id",
        "supplier_id",
        "contract_id",
        "catalog_item_id",
        "cost_centre_id",
    }


COPIED_FIELDS = ["requisition_id", "line_number", "source", "description", "quantity", "unit", "unit_price_minor"]
COPIED_FIELDS.append("currency")


@pytest.mark.postgres
def test_on_postgresql_the_lines_are_copied_with_ids_from_the_sequence(cart):
    with CaptureQueriesContext(connection) as queries:
        ids = bulk_insert_rows(
            RequisitionLine,
            COPIED_FIELDS,
            [[cart.pk, n, "punchout", f"L{n}", Decimal(1), "EA", 1, "EUR"] for n in range(1, 501)],
        )
    assert [query["sql"].split(" ")[0] for query in queries.captured_queries] == ["SELECT", "COPY"]
    assert ids == sorted(ids) and len(set(ids)) == 500
    assert dict(RequisitionLine.objects.filter(pk__in=ids).values_list("pk", "line_number")) == dict(
        zip(ids, range(1, 501), strict=True)
    )
    # The sequence moved on: Django's own insert takes the next id.
    after = RequisitionLine.objects.create(
        requisition=cart, line_number=501, source="punchout", description="x", quantity=1, unit="EA",
        unit_price_minor=1, currency="EUR",
    )  # fmt: skip
    assert after.pk > ids[-1]


def test_the_returns_queries_do_not_grow_with_its_lines(cart, shop, organisation):
    counts = {}
    for size in (10, 1000):
        target = requisition_create(by=alice(), legal_entity=organisation.france, title=f"Bulk {size}")
        open_session(shop, target, f"t-{size}")
        document = order_message(size)
        with CaptureQueriesContext(connection) as queries:
            response = post_return(f"t-{size}", document)
        assert response.status_code == 303
        assert target.lines.count() == size
        counts[size] = len(queries.captured_queries)
    assert counts[10] == counts[1000]


def test_a_bad_line_refuses_the_whole_cart_and_names_it(cart, shop):
    open_session(shop, cart, "t-bad")
    document = order_message(3).replace(b'quantity="2.250"', b'quantity="12345678901"')
    response = post_return("t-bad", document)
    assert response.status_code == 400
    assert "the quantity of ItemIn 2 is larger than 9999999999.999" in response.content.decode()
    assert cart.lines.count() == 0


def test_the_session_line_links_keep_their_unique_pair_and_foreign_keys_without_an_index_on_the_session_alone():
    """The link table Django made for `PunchoutSession.lines`, now through `PunchoutSessionLine`: the unique
    (session, line) index serves look-ups by session, so the session has no index of its own; both foreign keys
    and the line's index stay."""
    through = PunchoutSession.lines.through
    assert through._meta.db_table == "punchout_punchoutsession_lines"
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, through._meta.db_table).values()
    indexed = [c["columns"] for c in constraints if c["index"] and not c["primary_key"] and not c["unique"]]
    unique = [c["columns"] for c in constraints if c["unique"] and not c["primary_key"]]
    foreign = sorted(c["columns"][0] for c in constraints if c["foreign_key"])
    assert ["punchoutsession_id"] not in indexed
    assert ["requisitionline_id"] in indexed
    assert ["punchoutsession_id", "requisitionline_id"] in unique
    assert foreign == ["punchoutsession_id", "requisitionline_id"]


@pytest.mark.postgres
def test_columns_whose_database_default_is_djangos_are_left_out_of_the_copy(cart):
    """The line's GL account, project and note ("" in Django and in the column) and contract (NULL) are not sent:
    the rows read back as bulk_create writes them."""
    RequisitionLine.objects.bulk_create([_line(cart, 1)])
    with CaptureQueriesContext(connection) as queries:
        bulk_insert_objects([_line(cart, 2)])
        bulk_insert_rows(RequisitionLine, COPIED_FIELDS, [[cart.pk, 3, "punchout", "Bolt", Decimal(1), "EA", 5, "EUR"]])
    copies = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("COPY")]
    assert len(copies) == 2
    assert all('"gl_account"' not in sql and '"contract_id"' not in sql for sql in copies[1:])
    left = ("gl_account", "project", "supplier_note", "contract_id")
    rows = RequisitionLine.objects.filter(requisition=cart).order_by("line_number").values_list(*left)
    assert list(rows) == [("", "", "", None)] * 3


@pytest.mark.parametrize("pick", [[0, 1, 2, 3, 4, 5], [0, 1, 3, 4, 7], [2], [5, 1, 3], [0, 0, 1]])
def test_link_rows_made_from_runs_of_ids_are_the_rows_copy_wrote(cart, shop, pick):
    """`bulk_insert_id_pairs` against `bulk_insert_rows` of the same pairs: the same rows in the same order (their
    own ids ascending as the pairs go), whether the ids are consecutive, in runs with gaps, one, not ascending or
    repeated (those two written as rows; a repeated pair is refused by the unique pair either way)."""
    through = PunchoutSession.lines.through
    line_ids = bulk_insert_rows(
        RequisitionLine,
        COPIED_FIELDS,
        [[cart.pk, n, "punchout", f"L{n}", Decimal(1), "EA", 1, "EUR"] for n in range(1, 9)],
    )
    ids = [line_ids[index] for index in pick]
    fields = ("punchoutsession_id", "requisitionline_id")

    def written(session: PunchoutSession) -> list[int]:
        return list(through.objects.filter(punchoutsession=session).order_by("pk").values_list(fields[1], flat=True))

    old, new = open_session(shop, cart, "t-old"), open_session(shop, cart, "t-new")
    if len(set(ids)) < len(ids):
        for write in (
            lambda: bulk_insert_rows(through, fields, [(old.pk, pk) for pk in ids], with_ids=False),
            lambda: bulk_insert_id_pairs(through, fields, new.pk, ids),
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                write()
        return
    bulk_insert_rows(through, fields, [(old.pk, pk) for pk in ids], with_ids=False)
    with CaptureQueriesContext(connection) as queries:
        bulk_insert_id_pairs(through, fields, new.pk, ids)
    assert written(new) == written(old) == ids
    if connection.vendor == "postgresql":
        [query] = queries.captured_queries
        assert query["sql"].startswith("INSERT" if ids == sorted(ids) else "COPY")
