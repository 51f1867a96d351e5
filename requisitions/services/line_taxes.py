"""The tax of cart lines: each line gets the entity's tax code that applies (procurement.taxes) and its tax,
rounded per line. Read once per write: the entity's codes and the suppliers' countries."""

from decimal import Decimal

from procurement.models import CatalogItem, Supplier
from procurement.taxes import EntityTaxCodes, LineTax, entity_tax_codes, tax_code_for_line

from ..models import Requisition, RequisitionLine


class LineTaxes:
    """The taxes of one requisition's lines: `apply` sets a line's code, category, rate and tax amount."""

    def __init__(self, requisition: Requisition, *, codes: EntityTaxCodes | None = None) -> None:
        """`codes`: the entity's codes when read already (with the cart's lock); read here otherwise."""
        self.codes = codes if codes is not None else entity_tax_codes(legal_entity=requisition.legal_entity)
        self._countries: dict[int, str] = {}
        self._resolved: dict[tuple[int | None, str | None, Decimal | None, Decimal | None], LineTax] = {}

    def _supplier_country(self, supplier_id: int | None, supplier: Supplier | None) -> str:
        if supplier_id is None:
            return ""
        if supplier_id not in self._countries:
            if supplier is not None and supplier.pk == supplier_id:
                self._countries[supplier_id] = supplier.country
            else:
                self._countries[supplier_id] = (
                    Supplier.objects.filter(pk=supplier_id).values_list("country", flat=True).first() or ""
                )
        return self._countries[supplier_id]

    def tax_of(self, line: RequisitionLine, *, supplier_rate: Decimal | None = None) -> LineTax:
        item: CatalogItem | None = line.catalog_item if line.catalog_item_id is not None else None
        supplier = line.supplier if line.supplier_id is not None else None
        return self.tax_for(supplier_id=line.supplier_id, supplier=supplier, item=item, supplier_rate=supplier_rate)

    def tax_for(
        self,
        *,
        supplier_id: int | None,
        supplier: Supplier | None,
        item: CatalogItem | None,
        supplier_rate: Decimal | None = None,
    ) -> LineTax:
        """The tax of a line of this supplier and catalog item (None: not from the catalog), at the rate the
        supplier's cart gave. Lines alike in these (a cart of thousands) are resolved once per write."""
        item_kind = item.tax_kind if item is not None else None
        item_rate = item.tax_rate if item is not None else None
        key = (supplier_id, item_kind, item_rate, supplier_rate)
        tax = self._resolved.get(key)
        if tax is None:
            tax = self._resolved[key] = tax_code_for_line(
                codes=self.codes,
                supplier_country=self._supplier_country(supplier_id, supplier),
                item_kind=item_kind,
                item_rate=item_rate,
                supplier_rate=supplier_rate,
            )
        return tax

    def apply(self, line: RequisitionLine, *, supplier_rate: Decimal | None = None) -> RequisitionLine:
        """Set the line's tax from the entity's codes (its total must be computed first)."""
        tax = self.tax_of(line, supplier_rate=supplier_rate)
        line.tax_code, line.tax_category, line.tax_rate = tax.code, tax.category, tax.rate
        line.tax_minor = tax.amount_minor(line.total_minor)
        return line


def line_tax_amount_refresh(line: RequisitionLine) -> RequisitionLine:
    """The line's tax again after its total changed (a quantity), at the rate it already has."""
    line.tax_minor = LineTax(rate=line.tax_rate).amount_minor(line.total_minor)
    return line
