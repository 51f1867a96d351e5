"""Demo data as DESIGN.md lists it. Idempotent: every row is found by its natural key and brought up to date.

Other apps add their own demo data in `<app>/demo.py` with a `seed(report)` function; `seed_demo` runs them
after this one, in the order of INSTALLED_APPS.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import product
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

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

Report = Callable[[str], None]
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password


CATEGORIES = {
    "14": "Paper materials and products",
    "1411": "Paper products",
    "26": "Power generation and distribution machinery and accessories",
    "2612": "Electrical wire and cable and harness",
    "41": "Laboratory and measuring and observing and testing equipment",
    "4112": "Laboratory supplies and fixtures",
    "42": "Medical equipment and accessories and supplies",
    "4213": "Medical fabrics and tubing and related products",
    "43": "Information technology broadcasting and telecommunications",
    "4320": "Components for information technology or broadcasting or telecommunications",
    "4321": "Computer equipment and accessories",
    "4322": "Data voice or multimedia network equipment or platform and accessories",
    "44": "Office equipment and accessories and supplies",
    "4410": "Office machines and their supplies and accessories",
    "4412": "Office supplies",
    "46": "Defense and law enforcement and security and safety equipment and supplies",
    "4618": "Personal safety and protection",
}


@dataclass(frozen=True)
class DemoItem:
    sku: str
    name: str
    unspsc: str
    unit: str
    price: Decimal
    lead_time_days: int
    manufacturer: str
    attributes: dict[str, str]


def _office_items() -> Iterator[DemoItem]:
    colours = ["black", "blue", "red", "green", "purple", "orange"]
    for i, (colour, pack) in enumerate(product(colours, [10, 50])):
        yield DemoItem(
            f"BT-PEN-{colour[:3].upper()}-{pack}",
            f"Ballpoint pen, {colour}, box of {pack}",
            "44121704",
            "BX",
            Decimal("3.20") * pack / 10 + i % 3,
            2,
            "Bic",
            {"colour": colour, "pack size": str(pack)},
        )
    for colour in colours[:4]:
        yield DemoItem(
            f"BT-WBM-{colour[:3].upper()}",
            f"Whiteboard marker, {colour}, box of 10",
            "44121708",
            "BX",
            Decimal("12.60"),
            2,
            "Edding",
            {"colour": colour, "pack size": "10"},
        )
    for size, window in product(["C4", "C5", "DL"], ["window", "plain"]):
        yield DemoItem(
            f"BT-ENV-{size}-{window[:1].upper()}",
            f"Envelope {size}, {window}, self-seal, box of 250",
            "44121506",
            "BX",
            Decimal("17.90") if size == "C4" else Decimal("11.40"),
            3,
            "La Couronne",
            {"size": size, "window": window},
        )
    for length in ["28 mm", "33 mm", "50 mm"]:
        yield DemoItem(
            f"BT-CLIP-{length.split()[0]}",
            f"Paper clips {length}, box of 100",
            "44122104",
            "BX",
            Decimal("1.20"),
            2,
            "Maped",
            {"length": length},
        )
    for colour in colours[:4]:
        yield DemoItem(
            f"BT-GEL-{colour[:3].upper()}",
            f"Gel rollerball pen 0.5 mm, {colour}, box of 12",
            "44121701",
            "BX",
            Decimal("14.90"),
            2,
            "Pilot",
            {"colour": colour, "pack size": "12"},
        )
    for colour in ["yellow", "green", "pink", "orange"]:
        yield DemoItem(
            f"BT-HL-{colour[:3].upper()}",
            f"Highlighter, {colour}, box of 10",
            "44121716",
            "BX",
            Decimal("8.50"),
            2,
            "Stabilo",
            {"colour": colour, "pack size": "10"},
        )
    for size, grammage, finish in product(["A4", "A3"], [80, 90, 100], ["white", "recycled"]):
        base = Decimal("4.10") if size == "A4" else Decimal("8.40")
        yield DemoItem(
            f"BT-PAP-{size}-{grammage}-{finish[:3].upper()}",
            f"Copier paper {size} {grammage} g/m², {finish}, ream of 500",
            "14111507",
            "RM",
            base + Decimal(grammage - 80) / 40,
            3,
            "Navigator",
            {"size": size, "grammage": f"{grammage} g", "colour": finish},
        )
    for colour, kind in product(["red", "blue", "yellow", "green", "grey"], ["suspension", "lever arch"]):
        yield DemoItem(
            f"BT-FLD-{kind[:3].upper()}-{colour.upper()}",
            f"{kind.capitalize()} file, {colour}",
            "44122011",
            "EA",
            Decimal("2.35") if kind == "suspension" else Decimal("4.60"),
            3,
            "Esselte",
            {"colour": colour},
        )
    for size in ["A5", "A4"]:
        for ruling in ["lined", "squared", "blank"]:
            yield DemoItem(
                f"BT-NB-{size}-{ruling[:3].upper()}",
                f"Notebook {size}, {ruling}, 96 sheets",
                "14111514",
                "EA",
                Decimal("3.90") if size == "A5" else Decimal("5.40"),
                2,
                "Oxford",
                {"size": size, "ruling": ruling},
            )
    for colour in ["yellow", "pastel mix", "neon mix"]:
        yield DemoItem(
            f"BT-NOTE-{colour[:3].upper()}",
            f"Sticky notes 76×76 mm, {colour}, 12 pads",
            "14111530",
            "PK",
            Decimal("9.80"),
            2,
            "Post-it",
            {"colour": colour, "pack size": "12"},
        )
    for model, colour in product(
        ["HP 305A", "HP 207X", "Brother TN-2420", "Canon 055H", "Lexmark C3220"], ["black", "cyan", "magenta", "yellow"]
    ):
        code = model.split()[-1].replace("-", "")
        yield DemoItem(
            f"BT-TON-{code}-{colour[:1].upper()}",
            f"Toner cartridge {model}, {colour}",
            "44103103",
            "EA",
            Decimal("64.00") + (12 if colour == "black" else 0) + len(model),
            5,
            model.split()[0],
            {"colour": colour, "printer": model},
        )
    yield DemoItem(
        "BT-STP-24", "Stapler for 24/6 staples, 30 sheets", "44121615", "EA", Decimal("11.90"), 2, "Rapid", {}
    )
    yield DemoItem("BT-STA-246", "Staples 24/6, box of 5000", "44122107", "BX", Decimal("2.10"), 2, "Rapid", {})


def _lab_items() -> Iterator[DemoItem]:
    for volume in ["10 µl", "100 µl", "200 µl", "1000 µl", "5 ml"]:
        yield DemoItem(
            f"LS-PIP-{volume.split()[0]}",
            f"Single-channel pipette, adjustable, up to {volume}",
            "41121500",
            "EA",
            Decimal("289.00"),
            10,
            "Eppendorf",
            {"volume": volume},
        )
        for sterile in ["sterile", "non-sterile"]:
            yield DemoItem(
                f"LS-TIP-{volume.split()[0]}-{'S' if sterile == 'sterile' else 'N'}",
                f"Pipette tips {volume}, {sterile}, rack of 96",
                "41121600",
                "PK",
                Decimal("7.40") if sterile == "non-sterile" else Decimal("11.20"),
                4,
                "Eppendorf",
                {"volume": volume, "sterility": sterile},
            )
    for size, material in product(["XS", "S", "M", "L", "XL"], ["nitrile", "latex"]):
        yield DemoItem(
            f"LS-GLV-{material[:3].upper()}-{size}",
            f"Examination gloves, {material}, size {size}, box of 100",
            "42132203",
            "BX",
            Decimal("8.90") if material == "nitrile" else Decimal("6.70"),
            3,
            "Ansell",
            {"size": size, "material": material},
        )
    for volume, material in product(["15 ml", "50 ml"], ["polypropylene", "glass"]):
        yield DemoItem(
            f"LS-TUB-{volume.split()[0]}-{material[:2].upper()}",
            f"Centrifuge tube {volume}, {material}, pack of 50",
            "41121700",
            "PK",
            Decimal("18.50") if material == "glass" else Decimal("12.30"),
            5,
            "Falcon",
            {"volume": volume, "material": material},
        )
    for volume in ["50 ml", "100 ml", "250 ml", "600 ml", "1000 ml"]:
        yield DemoItem(
            f"LS-BKR-{volume.split()[0]}",
            f"Beaker, borosilicate glass, {volume}",
            "41121800",
            "EA",
            Decimal("3.60") + Decimal(int(volume.split()[0])) / 200,
            5,
            "Duran",
            {"volume": volume, "material": "glass"},
        )
    for kind in ["PS macro", "PS semi-micro", "PMMA UV"]:
        yield DemoItem(
            f"LS-CUV-{kind.replace(' ', '-')[:8].upper()}",
            f"Disposable cuvettes, {kind}, pack of 100",
            "41121800",
            "PK",
            Decimal("21.00"),
            4,
            "Brand",
            {"material": kind.split()[0]},
        )
    for grade in ["1", "2", "4", "42"]:
        yield DemoItem(
            f"LS-FLT-{grade}",
            f"Filter paper grade {grade}, 125 mm, pack of 100",
            "41121800",
            "PK",
            Decimal("9.80") + Decimal(grade) / 10,
            4,
            "Whatman",
            {"grade": grade},
        )
    for size in ["S", "M", "L", "XL"]:
        yield DemoItem(
            f"LS-COAT-{size}",
            f"Laboratory coat, cotton, size {size}",
            "46181526",
            "EA",
            Decimal("34.00"),
            7,
            "Dickies",
            {"size": size},
        )
    for kind in ["clear", "tinted", "over-spectacles"]:
        yield DemoItem(
            f"LS-GOG-{kind[:3].upper()}",
            f"Safety glasses, {kind}",
            "46181804",
            "EA",
            Decimal("9.60"),
            3,
            "Uvex",
            {"lens": kind},
        )
    for i, (name, price) in enumerate(
        [
            ("Microcentrifuge tubes 1.5 ml, pack of 500", "14.20"),
            ("Petri dishes 90 mm, sterile, pack of 500", "59.00"),
            ("Cryogenic vials 2 ml, pack of 100", "42.50"),
            ("Serological pipettes 10 ml, pack of 200", "38.00"),
            ("Wash bottle 500 ml, LDPE", "4.80"),
            ("Lab marker, solvent resistant, pack of 10", "16.40"),
            ("Parafilm M, 10 cm × 38 m", "31.00"),
            ("Weighing boats, 100 ml, pack of 500", "27.50"),
        ]
    ):
        yield DemoItem(f"LS-CON-{i + 1:02d}", name, "41122400", "PK", Decimal(price), 4, "LabSource", {})


def _it_items() -> Iterator[DemoItem]:
    for model, ram, storage in product(
        ["Latitude 7450", "ThinkPad T14", "EliteBook 840", "MacBook Air"], [16, 32], [512, 1024]
    ):
        maker = {"Latitude 7450": "Dell", "ThinkPad T14": "Lenovo", "EliteBook 840": "HP", "MacBook Air": "Apple"}[
            model
        ]
        price = Decimal(13900) + (ram - 16) * 150 + (storage - 512) * 4 + len(model) * 37
        yield DemoItem(
            f"NI-NB-{model.split()[-1]}-{ram}-{storage}",
            f"{maker} {model}, {ram} GB RAM, {storage} GB SSD",
            "43211503",
            "EA",
            price,
            10,
            maker,
            {"RAM": f"{ram} GB", "storage": f"{storage} GB"},
        )
    for size, resolution in product(['24"', '27"', '32"'], ["FHD", "QHD", "4K"]):
        price = Decimal(1690) + int(size[:2]) * 40 + {"FHD": 0, "QHD": 900, "4K": 2100}[resolution]
        yield DemoItem(
            f"NI-MON-{size[:2]}-{resolution}",
            f"Monitor {size} {resolution}, IPS, USB-C",
            "43211902",
            "EA",
            price,
            7,
            "Dell",
            {"size": size, "resolution": resolution},
        )
    for layout in ["Swedish", "French AZERTY", "US", "German", "Nordic", "Norwegian", "Danish"]:
        for kind in ["wired", "wireless"]:
            yield DemoItem(
                f"NI-KB-{layout.split()[0].upper()}-{'USB' if kind == 'wired' else 'BT'}",
                f"Keyboard, {layout} layout, {kind}",
                "43211706",
                "EA",
                Decimal(349) if kind == "wired" else Decimal(549),
                5,
                "Logitech",
                {"layout": layout, "connection": kind},
            )
    for kind in ["wired", "wireless", "ergonomic"]:
        yield DemoItem(
            f"NI-MS-{kind.upper()}",
            f"Mouse, {kind}",
            "43211708",
            "EA",
            Decimal({"wired": 199, "wireless": 399, "ergonomic": 899}[kind]),
            5,
            "Logitech",
            {"connection": "wireless" if kind != "wired" else "wired"},
        )
    for model in ["WD19S", "WD22TB4", "UD22"]:
        yield DemoItem(
            f"NI-DOCK-{model}",
            f"Docking station {model}, USB-C",
            "43211602",
            "EA",
            Decimal(2490) + len(model) * 110,
            7,
            "Dell",
            {},
        )
    for resolution in ["1080p", "4K"]:
        yield DemoItem(
            f"NI-CAM-{resolution}",
            f"Webcam {resolution} with privacy shutter",
            "43211714",
            "EA",
            Decimal(690) if resolution == "1080p" else Decimal(1890),
            5,
            "Logitech",
            {"resolution": resolution},
        )
    for capacity in [32, 64, 128, 256]:
        yield DemoItem(
            f"NI-USB-{capacity}",
            f"USB flash drive {capacity} GB, USB 3.2",
            "43202005",
            "EA",
            Decimal(89) + capacity,
            3,
            "SanDisk",
            {"storage": f"{capacity} GB"},
        )
    for kind in ["stereo, wired", "stereo, wireless", "mono, wireless"]:
        yield DemoItem(
            f"NI-HS-{kind.replace(', ', '-').upper()}",
            f"Headset, {kind}, noise cancelling",
            "43211914",
            "EA",
            Decimal(790) + (600 if "wireless" in kind else 0),
            5,
            "Jabra",
            {"connection": kind.split(", ")[1]},
        )
    for length, colour in product(["1 m", "3 m", "5 m"], ["grey", "blue"]):
        yield DemoItem(
            f"NI-CAB-C6-{length.split()[0]}-{colour[:2].upper()}",
            f"Network cable Cat 6, {length}, {colour}",
            "26121609",
            "EA",
            Decimal(39) + int(length.split()[0]) * 6,
            3,
            "Deltaco",
            {"length": length, "colour": colour},
        )
    for ports in [8, 16, 24, 48]:
        yield DemoItem(
            f"NI-SW-{ports}",
            f"Managed network switch, {ports} ports, gigabit",
            "43222612",
            "EA",
            Decimal(1200) + ports * 95,
            10,
            "Cisco",
            {"ports": str(ports)},
        )


SUPPLIERS: list[dict[str, Any]] = [
    {
        "code": "BUROTEC",
        "name": "Burotec Fournitures SARL",
        "currency": "EUR",
        "tax_id": "FR27512345678",
        "contact_name": "Sophie Bernard",
        "contact_email": "commandes@burotec.example",
        "phone": "+33 1 40 00 00 01",
        "address": "12 rue du Faubourg, 69003 Lyon, France",
        "order_method": Supplier.OrderMethod.EMAIL,
        "order_email": "commandes@burotec.example",
        "items": _office_items,
        "prefix": "",
    },
    {
        "code": "LABSOURCE",
        "name": "LabSource GmbH",
        "currency": "EUR",
        "tax_id": "DE123456789",
        "contact_name": "Jonas Weber",
        "contact_email": "orders@labsource.example",
        "phone": "+49 89 1234 5600",
        "address": "Laborstraße 4, 80331 München, Germany",
        # Orders go over cXML to the pretend supplier of `make run` (/cxml/demo-supplier/).
        "order_method": Supplier.OrderMethod.CXML,
        "order_url": f"{settings.SITE_URL.rstrip('/')}/cxml/demo-supplier/",
        "order_from_domain": "DUNS",
        "order_from_identity": "ACME-CATALOG",
        "order_to_domain": "DUNS",
        "order_to_identity": "LABSOURCE",
        "order_sender_domain": "DUNS",
        "order_sender_identity": "ACME-CATALOG",
        "order_shared_secret": "labsource-secret",
        "order_email": "orders@labsource.example",
        "items": _lab_items,
        "prefix": "",
    },
    {
        "code": "NORDIC-IT",
        "name": "Nordic IT Supply AB",
        "currency": "SEK",
        "tax_id": "SE556677889901",
        "contact_name": "Lina Berg",
        "contact_email": "order@nordicit.example",
        "phone": "+46 8 555 010 00",
        "address": "Sveavägen 20, 111 57 Stockholm, Sweden",
        "order_method": Supplier.OrderMethod.NONE,
        "order_email": "",
        "items": _it_items,
        "prefix": "",
    },
]

LEGAL_ENTITIES: list[dict[str, Any]] = [
    {
        "code": "ACME-FR",
        "name": "Acme France SAS",
        "currency": "EUR",
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
            defaults={k: spec[k] for k in ("name", "currency", "tax_id", "po_number_prefix")},
        )
        for kind, name, street, postal_code, city, country in spec["addresses"]:
            Address.objects.update_or_create(
                legal_entity=entity,
                kind=kind,
                is_default=True,
                defaults={"name": name, "street": street, "postal_code": postal_code, "city": city, "country": country},
            )
        entities[entity.code] = entity
    report(f"legal entities: {', '.join(entities)}")

    users = _seed_people(entities)
    report(f"users: {', '.join(users)} (password '{DEMO_PASSWORD}')")

    for code, name in CATEGORIES.items():
        Category.objects.update_or_create(code=code, defaults={"name": name})

    suppliers = {}
    item_count = 0
    for spec in SUPPLIERS:
        fields = {k: v for k, v in spec.items() if k not in {"code", "items", "prefix"}}
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
