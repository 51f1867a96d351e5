"""Writes of contracts: a buyer records a contract or framework agreement with its prices and volume tiers.

Every write checks what a person or an integrator typed (bounded, in the currency's digits, the items the
supplier's) and refuses it with the reason per field (ContractInvalid), never half-written."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from procurement.events import audit_event_record
from procurement.models import (
    QUANTITY_STEP,
    CatalogItem,
    Contract,
    ContractAttachment,
    ContractPrice,
    ContractPriceTier,
    Employee,
    LegalEntity,
    Supplier,
)
from procurement.money import MAX_TYPED_PRICE, decimal_text, is_currency, to_minor, within_currency_digits

from .errors import ContractInvalid, NotABuyer
from .selectors import may_manage_contracts

MAX_CAP = Decimal(10) ** 13  # like budgets: far above any contract, far below what a BIGINT holds
MAX_TIER_QUANTITY = Decimal("9999999999.999")  # what a quantity column (13, 3) holds
MAX_TIERS = 20
MAX_PRICES = 5_000
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ContractSpec:
    """A contract's header as typed: amounts in major units of `currency` (None: no cap)."""

    number: str
    title: str
    kind: str
    status: str
    supplier: Supplier
    legal_entity: LegalEntity
    valid_from: date
    valid_to: date
    currency: str
    cap: Decimal | None = None
    minimum_order: Decimal = Decimal(0)
    payment_net_days: int = 30
    early_discount_percent: Decimal = Decimal(0)
    early_discount_days: int = 0
    notes: str = ""


@dataclass(frozen=True)
class PriceSpec:
    """An item's negotiated price (by SKU of the contract's supplier) and its tiers (from quantity, unit price)."""

    sku: str
    unit_price: Decimal
    tiers: tuple[tuple[Decimal, Decimal], ...] = field(default_factory=tuple)


def _amount_minor(errors: dict[str, list[str]], name: str, amount: Decimal, currency: str, limit: Decimal) -> int:
    if not amount.is_finite() or amount < 0:
        errors.setdefault(name, []).append(_("Give an amount of 0 or more."))
        return 0
    if amount > limit:
        errors.setdefault(name, []).append(
            _("At most %(limit)s %(currency)s.") % {"limit": decimal_text(limit, 2), "currency": currency}
        )
        return 0
    if is_currency(currency) and not within_currency_digits(amount, currency):
        errors.setdefault(name, []).append(_("Too many decimals for %(currency)s.") % {"currency": currency})
        return 0
    return to_minor(amount, currency) if is_currency(currency) else 0


def _header(contract: Contract, spec: ContractSpec, errors: dict[str, list[str]]) -> None:
    currency = spec.currency.strip().upper()
    if not is_currency(currency):
        errors.setdefault("currency", []).append(_("Use an ISO 4217 code such as EUR."))
    contract.number = spec.number.strip().upper()
    contract.title = spec.title.strip()
    contract.kind, contract.status = spec.kind, spec.status
    contract.supplier, contract.legal_entity = spec.supplier, spec.legal_entity
    contract.valid_from, contract.valid_to = spec.valid_from, spec.valid_to
    contract.currency = currency
    contract.cap_minor = None
    if spec.cap is not None:
        contract.cap_minor = _amount_minor(errors, "cap", spec.cap, currency, MAX_CAP) or None
        if spec.cap == 0 and "cap" not in errors:
            errors.setdefault("cap", []).append(_("A cap is more than 0; leave it empty for no cap."))
    contract.minimum_order_minor = _amount_minor(errors, "minimum_order", spec.minimum_order, currency, MAX_CAP)
    contract.payment_net_days = spec.payment_net_days
    contract.early_discount_percent = spec.early_discount_percent
    contract.early_discount_days = spec.early_discount_days
    contract.notes = spec.notes.strip()
    try:
        contract.full_clean(exclude=["owner", "cap_minor", "minimum_order_minor", "currency"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault("" if name == "__all__" else name, []).extend(messages)


def _prices(
    contract: Contract, specs: Sequence[PriceSpec], errors: dict[str, list[str]]
) -> list[tuple[ContractPrice, list[ContractPriceTier]]]:
    if len(specs) > MAX_PRICES:
        errors.setdefault("prices", []).append(_("At most %(max)s prices.") % {"max": MAX_PRICES})
        return []
    skus = {spec.sku.strip() for spec in specs}
    items = {
        item.sku: item
        for item in CatalogItem.objects.filter(supplier=contract.supplier, sku__in=skus).only("pk", "sku", "supplier")
    }
    rows: list[tuple[ContractPrice, list[ContractPriceTier]]] = []
    seen: set[str] = set()
    currency = contract.currency if is_currency(contract.currency) else ""
    for spec in specs:
        sku = spec.sku.strip()
        where = f"prices.{sku[:64]}"
        item = items.get(sku)
        if item is None:
            errors.setdefault(where, []).append(
                _("%(sku)s is not in the catalog of %(supplier)s.") % {"sku": sku[:64], "supplier": contract.supplier}
            )
            continue
        if sku in seen:
            errors.setdefault(where, []).append(_("%(sku)s is priced twice.") % {"sku": sku})
            continue
        seen.add(sku)
        price = ContractPrice(
            contract=contract,
            item=item,
            unit_price_minor=_amount_minor(errors, where, spec.unit_price, currency, MAX_TYPED_PRICE),
            currency=currency,
        )
        if len(spec.tiers) > MAX_TIERS:
            errors.setdefault(where, []).append(_("At most %(max)s tiers an item.") % {"max": MAX_TIERS})
            continue
        tiers = []
        quantities: set[Decimal] = set()
        for quantity, unit_price in spec.tiers:
            if not quantity.is_finite() or quantity < QUANTITY_STEP or quantity > MAX_TIER_QUANTITY:
                errors.setdefault(where, []).append(
                    _("A tier starts at a quantity from 0.001 to %(max)s.") % {"max": decimal_text(MAX_TIER_QUANTITY)}
                )
                continue
            if quantity != quantity.quantize(QUANTITY_STEP):
                errors.setdefault(where, []).append(_("A tier's quantity has at most 3 decimals."))
                continue
            if quantity in quantities:
                errors.setdefault(where, []).append(
                    _("Two tiers start at %(quantity)s.") % {"quantity": decimal_text(quantity)}
                )
                continue
            quantities.add(quantity)
            tiers.append(
                ContractPriceTier(
                    min_quantity=quantity,
                    unit_price_minor=_amount_minor(errors, where, unit_price, currency, MAX_TYPED_PRICE),
                )
            )
        rows.append((price, tiers))
    return rows


def _check_buyer(by: Employee, legal_entity: LegalEntity) -> None:
    if not may_manage_contracts(by, legal_entity.pk):
        raise NotABuyer(_("Only a buyer of %(entity)s may record its contracts.") % {"entity": legal_entity.code})


@transaction.atomic
def contract_save(
    *,
    by: Employee,
    spec: ContractSpec,
    contract: Contract | None = None,
    prices: Sequence[PriceSpec] | None = None,
    attachment: UploadedFile | None = None,
) -> Contract:
    """Record a new contract (`contract` None) or change one, with its prices and tiers when `prices` is given
    (they replace the contract's), and an attachment. Refused as a whole, with the reason per field."""
    if contract is not None:
        _check_buyer(by, contract.legal_entity)
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
    creating = contract is None
    target = contract or Contract(owner=by)
    _check_buyer(by, spec.legal_entity)
    errors: dict[str, list[str]] = {}
    before = {name: str(getattr(target, name)) for name in ("status", "valid_to", "cap_minor")} if target.pk else {}
    supplier_before = target.supplier_id if target.pk else None
    _header(target, spec, errors)
    rows = _prices(target, prices, errors) if prices is not None else []
    # Another supplier with the prices kept: they would be of items the contract's supplier does not sell.
    if prices is None and supplier_before not in (None, spec.supplier.pk) and target.prices.exists():
        errors.setdefault("supplier", []).append(_("The prices are of the other supplier's items."))
    if attachment is not None and attachment.size and attachment.size > MAX_ATTACHMENT_BYTES:
        errors.setdefault("attachment", []).append(_("A file of at most 20 MB."))
    if errors:
        raise ContractInvalid(errors)
    target.save()
    if prices is not None:
        target.prices.all().delete()
        ContractPrice.objects.bulk_create([price for price, _tiers in rows])
        for price, tiers in rows:
            for tier in tiers:
                tier.price = price
        ContractPriceTier.objects.bulk_create([tier for _price, tiers in rows for tier in tiers])
    if attachment is not None:
        ContractAttachment.objects.create(contract=target, file=attachment, title=attachment.name or "", uploaded_by=by)
    data: dict[str, Any] = {"number": target.number, "prices": len(rows) if prices is not None else None}
    if before:
        data["before"] = before
    audit_event_record(
        event_type="contract.created" if creating else "contract.changed",
        actor=by.user,
        legal_entity=target.legal_entity,
        obj=target,
        data=data,
    )
    return target
