"""A supplier with a live catalog, a buyer (frank) and an administrator who keeps the catalog (carol), both of
ACME-FR; uploads run their background steps at once (eager Celery, on commit)."""

from dataclasses import dataclass

import pytest

from catalogs.models import CatalogUpload
from catalogs.services import catalog_upload_create
from procurement.models import CatalogItem, Employee, LegalEntity, Role, Supplier
from tests.factories import CatalogItemFactory, EmployeeFactory, LegalEntityFactory, SupplierFactory, UserFactory


@dataclass
class Shop:
    france: LegalEntity
    frank: Employee  # buyer
    carol: Employee  # administrator: uploads, does not decide
    alice: Employee  # requester: neither
    supplier: Supplier


@pytest.fixture
def shop(db) -> Shop:
    france = LegalEntityFactory(code="ACME-FR", name="Acme France SAS", currency="EUR")

    def person(username: str, role: str) -> Employee:
        return EmployeeFactory(
            user=UserFactory(username=username, first_name=username.capitalize()),
            legal_entities=[france],
            roles=[role],
        )

    supplier = SupplierFactory(code="BUROTEC", name="Burotec Fournitures SARL", currency="EUR")
    return Shop(
        france=france,
        frank=person("frank", Role.BUYER),
        carol=person("carol", Role.ADMIN),
        alice=person("alice", Role.REQUESTER),
        supplier=supplier,
    )


@pytest.fixture
def live_catalog(shop) -> dict[str, CatalogItem]:
    """PEN at 10.00, PAD at 20.00, INK at 5.00 EUR (all 44121704, EA)."""
    return {
        sku: CatalogItemFactory(supplier=shop.supplier, sku=sku, name=name, base_price_minor=price, unspsc="44121704")
        for sku, name, price in (("PEN", "Ballpoint pen", 1000), ("PAD", "Writing pad", 2000), ("INK", "Ink", 500))
    }


def upload_file(
    shop: Shop,
    capture,
    content: bytes,
    *,
    file_format: str = "csv",
    by: Employee | None = None,
    **options,
) -> CatalogUpload:
    """Upload `content` as `by` (frank) and run the check as the worker would; the upload as it is then."""
    with capture(execute=True):
        upload = catalog_upload_create(
            supplier=shop.supplier,
            by=by or shop.frank,
            legal_entity=shop.france,
            file_format=file_format,
            filename=f"catalog.{file_format}",
            content=content,
            **options,
        )
    upload.refresh_from_db()
    return upload


HEADER = "sku;name;unspsc;unit;price;currency;pack_size;order_multiple;minimum_quantity;image_url;datasheet_url\n"


def csv_of(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()
