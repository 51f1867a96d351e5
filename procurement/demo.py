"""Demo data as DESIGN.md lists it. Idempotent: every row is found by its natural key and brought up to date.

Other apps add their own demo data in `<app>/demo.py` with a `seed(report)` function; `seed_demo` runs them
after this one, in the order of INSTALLED_APPS.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .demo_catalog import CATEGORIES, SUPPLIERS, DemoItem
from .models import (
    QUANTITY_STEP,
    Address,
    CatalogItem,
    CatalogItemAttribute,
    Category,
    CostCentre,
    Employee,
    ExchangeRate,
    LegalEntity,
    OrgUnit,
    PriceList,
    Role,
    Supplier,
)
from .money import to_minor
from .taxes import tax_codes_default_create

Report = Callable[[str], None]
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password


LEGAL_ENTITIES: list[dict[str, Any]] = [
    {
        "code": "ACME-FR",
        "name": "Acme France SAS",
        "currency": "EUR",
        "country": "FR",
        "tax_id": "FR40123456789",
        "po_number_prefix": "FR-PO-",
        "addresses": [
            ("bill_to", "Acme France SAS — Comptabilité", "8 avenue de l'Opéra", "75001", "Paris", "FR"),
            ("ship_to", "Acme France SAS — Site de Lyon", "41 quai Rambaud", "69002", "Lyon", "FR"),
        ],
    },
    {
        "code": "ACME-SE",
        "name": "Acme Sverige AB",
        "currency": "SEK",
        "country": "SE",
        "tax_id": "SE556000111201",
        "po_number_prefix": "SE-PO-",
        "addresses": [
            ("bill_to", "Acme Sverige AB — Ekonomi", "Kungsgatan 12", "111 43", "Stockholm", "SE"),
            ("ship_to", "Acme Sverige AB — Lager", "Lagervägen 3", "126 30", "Hägersten", "SE"),
        ],
    },
]

# username, first, last, job title, org unit, manager, signing limit (EUR, None = no limit), roles
PEOPLE = [
    ("dave", "Dave", "Moreau", "Managing director", "FR-DIR", None, "100000", ["requester", "approver"]),
    ("carol", "Carol", "Lefebvre", "Head of engineering", "FR-ENG", "dave", "10000", ["requester", "approver"]),
    ("bob", "Bob", "Dubois", "Engineering team lead", "FR-PLAT", "carol", "1000", ["requester", "approver"]),
    ("alice", "Alice", "Martin", "Engineer", "FR-PLAT", "bob", "0", ["requester"]),
    ("erin", "Erin", "Laurent", "Chief financial officer", "FR-FIN", "dave", None, ["approver", "finance"]),
    ("frank", "Frank", "Girard", "Buyer", "FR-PUR", "erin", "0", ["requester", "buyer"]),
]

ORG_UNITS = [
    # entity, code, name, parent, manager
    ("ACME-FR", "FR-DIR", "Direction générale", None, "dave"),
    ("ACME-FR", "FR-ENG", "Engineering", "FR-DIR", "carol"),
    ("ACME-FR", "FR-PLAT", "Platform team", "FR-ENG", "bob"),
    ("ACME-FR", "FR-FIN", "Finance", "FR-DIR", "erin"),
    ("ACME-FR", "FR-PUR", "Purchasing", "FR-FIN", "frank"),
    ("ACME-SE", "SE-DIR", "Ledning", None, "dave"),
    ("ACME-SE", "SE-ENG", "Utveckling", "SE-DIR", "carol"),
]

COST_CENTRES = [
    # entity, code, name, org unit, owner
    ("ACME-FR", "FR-ENG", "Engineering", "FR-ENG", "carol"),
    ("ACME-FR", "FR-LAB", "Laboratory", "FR-ENG", "bob"),
    ("ACME-FR", "FR-IT", "Information technology", "FR-DIR", "carol"),
    ("ACME-FR", "FR-FIN", "Finance", "FR-FIN", "erin"),
    ("ACME-FR", "FR-PUR", "Purchasing", "FR-PUR", "frank"),
    ("ACME-SE", "SE-ENG", "Utveckling", "SE-ENG", "carol"),
    ("ACME-SE", "SE-OPS", "Drift", "SE-DIR", "dave"),
]


@transaction.atomic
def seed(report: Report) -> None:
    """Create or bring up to date the core demo data."""
    entities = {}
    for spec in LEGAL_ENTITIES:
        entity, _ = LegalEntity.objects.update_or_create(
            code=spec["code"],
            defaults={k: spec[k] for k in ("name", "currency", "country", "tax_id", "po_number_prefix")},
        )
        for kind, name, street, postal_code, city, country in spec["addresses"]:
            Address.objects.update_or_create(
                legal_entity=entity,
                kind=kind,
                is_default=True,
                defaults={"name": name, "street": street, "postal_code": postal_code, "city": city, "country": country},
            )
        tax_codes_default_create(legal_entity=entity)  # FR 20/10/5.5/2.1, SE 25/12/6, zero, exempt, reverse charge
        entities[entity.code] = entity
    report(f"legal entities: {', '.join(entities)} (with their tax codes)")

    users = _seed_people(entities)
    report(f"users: {', '.join(users)} (password '{DEMO_PASSWORD}')")

    for code, name in CATEGORIES.items():
        Category.objects.update_or_create(code=code, defaults={"name": name})

    suppliers = {}
    item_count = 0
    for spec in SUPPLIERS:
        fields = {k: v for k, v in spec.items() if k not in {"code", "items", "prefix"}}
        if str(fields.get("order_url", "")).startswith("/"):  # on this server: at the address being served
            fields["order_url"] = settings.SITE_URL.rstrip("/") + str(fields["order_url"])
        supplier, _ = Supplier.objects.update_or_create(code=spec["code"], defaults=fields)
        suppliers[supplier.code] = supplier
        demo_items = list(spec["items"]())
        skus = [demo_item.sku for demo_item in demo_items]
        assert len(skus) == len(set(skus)), f"duplicate demo SKUs for {supplier.code}"
        _seed_items(supplier, demo_items)
        item_count += len(demo_items)
    Supplier.objects.update_or_create(
        code="DEMO-PUNCHOUT",
        defaults={
            "name": "Demo punchout shop",
            "currency": "EUR",
            "country": "FR",
            "tax_id": "FR68900000001",
            "contact_email": "shop@demo-punchout.example",
            "order_method": Supplier.OrderMethod.NONE,
        },
    )
    report(f"suppliers: {', '.join(suppliers)}, DEMO-PUNCHOUT; catalog items: {item_count}")

    france, sweden = (
        PriceList.objects.update_or_create(
            code="FR-FRAMEWORK",
            defaults={
                "name": "Acme France framework agreement",
                "adjustment": PriceList.Adjustment.PERCENT,
                "percent_off": Decimal("12.00"),
                "supplier": None,
                "unspsc_prefix": "",
            },
        )[0],
        PriceList.objects.update_or_create(
            code="SE-IT-CONTRACT",
            defaults={
                "name": "Acme Sverige IT contract",
                "adjustment": PriceList.Adjustment.PERCENT,
                "percent_off": Decimal("8.00"),
                "supplier": suppliers["NORDIC-IT"],
                "unspsc_prefix": "",
            },
        )[0],
    )
    france.legal_entities.set([entities["ACME-FR"]])
    sweden.legal_entities.set([entities["ACME-SE"]])
    report("price lists: FR-FRAMEWORK (12 % off, ACME-FR), SE-IT-CONTRACT (8 % off Nordic IT, ACME-SE)")

    ExchangeRate.objects.update_or_create(
        from_currency="EUR",
        to_currency="SEK",
        valid_from=date(date.today().year, 1, 1),
        defaults={"rate": Decimal("11.2500000000")},
    )


def _seed_people(entities: dict[str, LegalEntity]) -> list[str]:
    for code, name in Role.ALL.items():  # also made by a migration, but a flushed database has none
        Role.objects.get_or_create(code=code, defaults={"name": name})
    user_model = get_user_model()
    units: dict[str, OrgUnit] = {}
    for entity_code, code, name, parent, _ in ORG_UNITS:
        units[code], _ = OrgUnit.objects.update_or_create(
            legal_entity=entities[entity_code], code=code, defaults={"name": name, "parent": units.get(parent or "")}
        )
    employees: dict[str, Employee] = {}
    for username, first, last, title, unit, manager, limit, roles in PEOPLE:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@acme.example"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        employee, _ = Employee.objects.update_or_create(
            user=user,
            defaults={
                "job_title": title,
                "org_unit": units[unit],
                "manager": employees.get(manager or ""),
                "signing_limit_minor": to_minor(limit, "EUR") if limit is not None else None,
                "signing_limit_currency": "EUR" if limit is not None else "",
                "default_legal_entity": entities["ACME-FR"],
            },
        )
        employee.legal_entities.set(entities.values())
        employee.roles.set(Role.objects.filter(code__in=roles))
        employees[username] = employee
    admin, created = user_model.objects.get_or_create(
        username="admin", defaults={"email": "admin@acme.example", "first_name": "Ada", "last_name": "Admin"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    admin_employee, _ = Employee.objects.update_or_create(
        user=admin,
        defaults={
            "job_title": "System administrator",
            "default_legal_entity": entities["ACME-FR"],
            "org_unit": units["FR-DIR"],
        },
    )
    admin_employee.legal_entities.set(entities.values())
    admin_employee.roles.set(Role.objects.filter(code=Role.ADMIN))

    for _entity, code, _name, _parent, manager in ORG_UNITS:
        OrgUnit.objects.filter(pk=units[code].pk).update(manager=employees[manager])
    centres = {}
    for entity_code, code, name, unit, owner in COST_CENTRES:
        centres[code], _ = CostCentre.objects.update_or_create(
            legal_entity=entities[entity_code],
            code=code,
            defaults={"name": name, "org_unit": units[unit], "owner": employees[owner]},
        )
    for employee in employees.values():
        unit_centre = {
            "FR-PLAT": "FR-ENG",
            "FR-ENG": "FR-ENG",
            "FR-DIR": "FR-ENG",
            "FR-FIN": "FR-FIN",
            "FR-PUR": "FR-PUR",
        }[employee.org_unit.code if employee.org_unit else "FR-DIR"]
        Employee.objects.filter(pk=employee.pk).update(default_cost_centre=centres[unit_centre])
    employees["alice"].cost_centres.set([centres["FR-LAB"], centres["SE-ENG"]])
    return [*employees, "admin"]


WHOLE_UNITS = frozenset({"EA", "PK", "BX", "RM"})


def _seed_items(supplier: Supplier, demo_items: list[DemoItem]) -> None:
    """Bring the supplier's demo items up to date in a handful of queries (bulk, not row by row)."""
    existing = {item.sku: item for item in CatalogItem.objects.filter(supplier=supplier)}
    wanted = []
    for demo_item in demo_items:
        item = existing.get(demo_item.sku) or CatalogItem(supplier=supplier, sku=demo_item.sku)
        item.name = demo_item.name
        item.description = f"{demo_item.name}. Supplied by {supplier.name}."
        item.unspsc = demo_item.unspsc
        item.unit = demo_item.unit
        item.base_price_minor = to_minor(demo_item.price, supplier.currency)
        item.currency = supplier.currency
        item.lead_time_days = demo_item.lead_time_days
        item.manufacturer = demo_item.manufacturer
        # Pieces, packs, boxes and reams are ordered whole: 1.5 boxes is refused with the item's message.
        item.order_multiple = item.minimum_quantity = Decimal(1) if demo_item.unit in WHOLE_UNITS else QUANTITY_STEP
        item.is_active = True
        wanted.append(item)
    CatalogItem.objects.bulk_create([item for item in wanted if item.pk is None])
    fields = [
        "name",
        "description",
        "unspsc",
        "unit",
        "base_price_minor",
        "currency",
        "lead_time_days",
        "manufacturer",
        "order_multiple",
        "minimum_quantity",
        "is_active",
    ]
    CatalogItem.objects.bulk_update([item for item in wanted if item.sku in existing], fields, batch_size=500)
    ids = {item.sku: item.pk for item in CatalogItem.objects.filter(supplier=supplier, sku__in=[i.sku for i in wanted])}
    CatalogItemAttribute.objects.filter(item__supplier=supplier, item__sku__in=list(ids)).delete()
    CatalogItemAttribute.objects.bulk_create(
        CatalogItemAttribute(item_id=ids[demo_item.sku], name=name, value=value)
        for demo_item in demo_items
        for name, value in demo_item.attributes.items()
    )
