"""Core domain, by subdomain: organisation and people, suppliers and catalog, records every app keeps.

Every app imports the core's models from here (`from procurement.models import Employee`).
"""

from .catalog import CatalogItem, CatalogItemAttribute, Category, CustomCatalog, PriceList, Supplier
from .contracts import (
    MAX_PAYMENT_DAYS,
    Contract,
    ContractAttachment,
    ContractLedgerEntry,
    ContractPrice,
    ContractPriceTier,
)
from .organisation import Address, CostCentre, Employee, LegalEntity, OrgUnit, Role
from .records import AuditEvent, AuditTally, DocumentSequence, ExchangeRate, IdempotencyKey
from .taxes import TaxCategory, TaxCode, TaxKind
from .tokens import ApiToken, TokenScope
from .two_factor import RecoveryCode, TotpDevice
from .validators import (
    QUANTITY_STEP,
    country_code_validator,
    currency_code_validator,
    entity_code_validator,
    unit_validator,
    unspsc_validator,
)

__all__ = [
    "MAX_PAYMENT_DAYS",
    "QUANTITY_STEP",
    "Address",
    "ApiToken",
    "AuditEvent",
    "AuditTally",
    "CatalogItem",
    "CatalogItemAttribute",
    "Category",
    "Contract",
    "ContractAttachment",
    "ContractLedgerEntry",
    "ContractPrice",
    "ContractPriceTier",
    "CostCentre",
    "CustomCatalog",
    "DocumentSequence",
    "Employee",
    "ExchangeRate",
    "IdempotencyKey",
    "LegalEntity",
    "OrgUnit",
    "PriceList",
    "RecoveryCode",
    "Role",
    "Supplier",
    "TaxCategory",
    "TaxCode",
    "TaxKind",
    "TokenScope",
    "TotpDevice",
    "country_code_validator",
    "currency_code_validator",
    "entity_code_validator",
    "unit_validator",
    "unspsc_validator",
]
