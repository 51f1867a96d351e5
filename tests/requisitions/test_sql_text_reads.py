"""The cart's hot statements written as SQL text (procurement.sql) read and write what Django's ORM did: the line
add's and the submission's locks, the submission's lines, opening a cart's membership and ship-to, and the INSERTs
of lines and events."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model

from procurement.models import Address, Employee
from procurement.money import Money
from procurement.sql import sql_insert
from procurement.taxes import entity_tax_codes, entity_tax_codes_from, tax_codes_default_create
from requisitions.lock_objects import (
    requisition_lines_for_submit,
    requisition_select_for_update_for_line_add,
    requisition_select_for_update_for_submit,
)
from requisitions.models import Requisition, RequisitionEvent, RequisitionLine, RequisitionLineSplit
from requisitions.selectors import membership_and_default_ship_to
from requisitions.services import requisition_line_add_free_text
from tests.factories import EmployeeFactory, LegalEntityFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def columns(obj: Model | None) -> dict[str, object] | None:
    """Every concrete column's value, with its Python type (a str where a datetime was due would differ)."""
    if obj is None:
        return None
    return {f.attname: (getattr(obj, f.attname), type(getattr(obj, f.attname))) for f in obj._meta.concrete_fields}


def add_line(cart, requester, n: int, **extra) -> RequisitionLine:
    return requisition_line_add_free_text(
        requisition=cart,
        by=requester,
        description=f"Part {n}",
        quantity=Decimal("2.5"),
        unit="EA",
        unit_price=Money(Decimal("12.34"), "EUR"),
        supplier=SupplierFactory(),
        **extra,
    )


@pytest.mark.parametrize("with_tax_codes", [True, False])
def test_line_add_lock_reads_what_the_orm_read(cart, requester, with_tax_codes):
    if with_tax_codes:
        tax_codes_default_create(legal_entity=cart.legal_entity, country="FR")
    add_line(cart, requester, 1)
    add_line(cart, requester, 2)
    with transaction.atomic():
        held = requisition_select_for_update_for_line_add(cart.pk)
    orm = Requisition.objects.select_related("legal_entity", "requester__default_cost_centre").get(pk=cart.pk)
    assert columns(held) == columns(orm)
    assert columns(held.legal_entity) == columns(orm.legal_entity)
    assert columns(held.requester) == columns(orm.requester)
    assert columns(held.requester.default_cost_centre) == columns(orm.requester.default_cost_centre)
    assert held.top_line_number == 2
    read = entity_tax_codes_from(legal_entity=held.legal_entity, codes=held.tax_codes_json)
    direct = entity_tax_codes(legal_entity=orm.legal_entity)
    fields = ("code", "name", "rate", "kind", "category", "recoverable", "is_default")
    assert read.country == direct.country
    assert [[getattr(c, f) for f in fields] for c in read.codes] == [
        [getattr(c, f) for f in fields] for c in direct.codes
    ]
    assert bool(read.codes) is with_tax_codes


def test_line_add_lock_without_default_cost_centre_or_lines(cart, requester):
    Employee.objects.filter(pk=requester.pk).update(default_cost_centre=None)
    with transaction.atomic():
        held = requisition_select_for_update_for_line_add(cart.pk)
    assert held.requester.default_cost_centre is None
    assert held.top_line_number == 0
    with pytest.raises(Requisition.DoesNotExist), transaction.atomic():
        requisition_select_for_update_for_line_add(cart.pk + 1000)


def test_submit_lock_and_lines_read_what_the_orm_read(cart, requester, cost_centre):
    line = add_line(cart, requester, 1)
    add_line(cart, requester, 2)
    RequisitionLineSplit.objects.create(line=line, cost_centre=cost_centre, percent=Decimal(100))
    with transaction.atomic():
        held = requisition_select_for_update_for_submit(cart.pk)
        lines = requisition_lines_for_submit(held)
    orm = Requisition.objects.select_related("legal_entity", "requester__user").get(pk=cart.pk)
    assert columns(held) == columns(orm)
    assert columns(held.legal_entity) == columns(orm.legal_entity)
    assert columns(held.requester) == columns(orm.requester)
    assert columns(held.requester.user) == columns(orm.requester.user)
    assert held.is_punchin_cart is False
    assert held.requester_org_units == ([requester.org_unit_id] if requester.org_unit_id else [])
    assert [columns(row) for row in lines] == [columns(row) for row in cart.lines.order_by("line_number")]
    assert [row.has_splits for row in lines] == [True, False]


def test_membership_and_default_ship_to(requester, france, sweden):
    assert membership_and_default_ship_to(employee=requester, legal_entity=france) == (
        True,
        Address.objects.filter(legal_entity=france, kind=Address.Kind.SHIP_TO, is_default=True).first(),
    )
    member, ship_to = membership_and_default_ship_to(employee=requester, legal_entity=sweden)
    expected = Address.objects.filter(legal_entity=sweden, kind=Address.Kind.SHIP_TO, is_default=True).first()
    assert member is True and columns(ship_to) == columns(expected)
    other = LegalEntityFactory()
    assert membership_and_default_ship_to(employee=requester, legal_entity=other)[0] is False
    assert membership_and_default_ship_to(employee=EmployeeFactory(legal_entities=[]), legal_entity=france)[0] is False
    france.is_active = False
    france.save()
    assert membership_and_default_ship_to(employee=requester, legal_entity=france)[0] is False


def test_sql_insert_writes_what_save_writes(cart, requester):
    template = add_line(cart, requester, 1)
    rows: list[tuple[RequisitionLine, RequisitionEvent]] = []
    for write in (lambda obj: obj.save(force_insert=True), lambda obj: sql_insert([obj])):
        line = RequisitionLine.objects.get(pk=template.pk)
        line.pk, line._state.adding, line.line_number = None, True, 10 + len(rows)
        event = RequisitionEvent(
            requisition=cart,
            actor=get_user_model().objects.get(pk=requester.user_id),
            kind="lines_added",
            data={"added": 1, "price": "12.34"},
        )
        write(line)
        write(event)
        assert line._state.adding is False and event._state.adding is False
        rows.append((RequisitionLine.objects.get(pk=line.pk), RequisitionEvent.objects.get(pk=event.pk)))
    (line_a, event_a), (line_b, event_b) = rows
    skip = {"id", "line_number", "created_at", "updated_at"}
    assert {k: v for k, v in columns(line_a).items() if k not in skip} == {
        k: v for k, v in columns(line_b).items() if k not in skip
    }
    assert {k: v for k, v in columns(event_a).items() if k not in skip} == {
        k: v for k, v in columns(event_b).items() if k not in skip
    }
    assert event_b.created_at is not None and event_b.created_at >= event_a.created_at
