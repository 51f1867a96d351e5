"""Supplier documents written out for tests of what our pages and API then say (issue 13)."""

import itertools

from orders.models import PurchaseOrder

_numbers = itertools.count(1)

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.069/Fulfill.dtd">
<cXML payloadID="{payload}" timestamp="2026-12-01T09:00:00+01:00" xml:lang="en-US">
  <Header>
    <From><Credential domain="NetworkId"><Identity>supplier@supplier.com</Identity></Credential></From>
    <To><Credential domain="NetworkId"><Identity>acme</Identity></Credential></To>
    <Sender><Credential domain="NetworkId"><Identity>supplier@supplier.com</Identity>
      <SharedSecret>coyote</SharedSecret></Credential>
      <UserAgent>Supplier OMS</UserAgent></Sender>
  </Header>
  <Request deploymentMode="production">
"""


def _reference(order: PurchaseOrder) -> str:
    payload = order.revisions.get(revision=1).payload_id
    return (
        f'<OrderReference orderID="{order.number}" orderDate="2026-12-01T09:00:00+01:00">'
        f'<DocumentReference payloadID="{payload}"/></OrderReference>'
    )


def confirmation(order: PurchaseOrder, items: str, kind: str = "detail") -> str:
    """A ConfirmationRequest of the given ConfirmationItem elements for our order."""
    return (
        HEADER.format(payload=f"conf-{next(_numbers)}@supplier.example")
        + f"""    <ConfirmationRequest>
      <ConfirmationHeader confirmID="SO-{next(_numbers)}" operation="new" type="{kind}"
        noticeDate="2026-12-01T09:00:00+01:00"/>
      {_reference(order)}
      {items}
    </ConfirmationRequest>
  </Request>
</cXML>"""
    )


def item(line: int, ordered: str, *statuses: tuple[str, str, str]) -> str:
    """A ConfirmationItem: statuses are (type, quantity, extra attributes)."""
    inner = "".join(
        f'<ConfirmationStatus quantity="{quantity}" type="{kind}" {extra}><UnitOfMeasure>EA</UnitOfMeasure>'
        "</ConfirmationStatus>"
        for kind, quantity, extra in statuses
    )
    return (
        f'<ConfirmationItem quantity="{ordered}" lineNumber="{line}"><UnitOfMeasure>EA</UnitOfMeasure>'
        f"{inner}</ConfirmationItem>"
    )


def ship_notice(order: PurchaseOrder, *, shipment_date: str, delivery_date: str) -> str:
    """A ShipNoticeRequest for the whole order."""
    return (
        HEADER.format(payload=f"asn-{next(_numbers)}@supplier.example")
        + f"""    <ShipNoticeRequest>
      <ShipNoticeHeader shipmentID="ASN-{next(_numbers)}" operation="new" noticeDate="{shipment_date}"
        shipmentDate="{shipment_date}" deliveryDate="{delivery_date}"/>
      <ShipControl><CarrierIdentifier domain="companyName">UPS</CarrierIdentifier>
        <ShipmentIdentifier domain="trackingNumber">1Z999</ShipmentIdentifier></ShipControl>
      <ShipNoticePortion>{_reference(order)}</ShipNoticePortion>
    </ShipNoticeRequest>
  </Request>
</cXML>"""
    )
